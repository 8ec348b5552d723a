"""twin: a fast discrete-event digital twin of smart homes and smart cities."""

__version__ = "0.1.0"
