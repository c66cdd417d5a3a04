"""Makes the package importable from the repository root when pytest runs the tests."""
