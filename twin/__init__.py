"""twin: a fast discrete-event digital twin of smart homes and smart cities."""

__version__ = "0.1.0"


def read_run(folder):
    """The results ``twin run`` wrote into ``folder`` as pandas DataFrames (see :class:`twin.results.RunData`).

    Imported lazily, so that ``import twin`` needs no pandas.
    """
    from twin.results import read_run as read

    return read(folder)
