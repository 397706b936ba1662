"""unified-segments: the Python around the dbt project (the `unified-segments` command and the
modules behind it). pyproject.toml installs this folder as the package unified_segments."""
