"""The app's widgets and screens, one per module."""
