from __future__ import annotations

from tf2port.cli import main

if __name__ == "__main__":
    main()
