"""The peer-session screens: the host's app (drives the hub) and the participant's app."""
