"""The Qt GUI: the only package of the project that imports PySide6."""
