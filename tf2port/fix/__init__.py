"""fix: the name pass (api_names, edits), the structural graph-to-eager pass, and the pipeline that runs them."""
