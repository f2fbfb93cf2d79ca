#!/usr/bin/env python
"""Same as the `onconet` console script, for habit's sake."""

from onconet.cli import main

if __name__ == "__main__":
    main()
