"""Static analysis shared by lint and fix: which names mean TensorFlow, and where."""
