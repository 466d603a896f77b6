"""The SERVERS column (``panel``) and the launch-config editor (``dialog``)."""
