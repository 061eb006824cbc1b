"""The app's screens: the lab, help, errors, and the target picker."""
