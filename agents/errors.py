"""Errors a user of ``twin train`` / ``twin eval`` can cause and fix; the CLI prints them and exits 2."""

from __future__ import annotations

from twin.errors import TwinError


class AgentError(TwinError):
    """An unknown agent, an agent that cannot act on the environment, or a bad training option."""


class RunFolderError(TwinError):
    """A run folder is missing, is not a training run, or would overwrite another run."""
