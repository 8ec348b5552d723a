"""Neural forecasters (torch): a multilayer perceptron and an LSTM, small and seeded.

Both predict the whole horizon at once from standardised inputs and are trained with Adam on the
mean squared error of standardised readings, in mini-batches shuffled by a seeded
``torch.Generator``, with early stopping on the validation windows (the weights of the best
validation epoch are kept). Weights are initialised under ``torch.manual_seed(seed)`` inside
``torch.random.fork_rng``, so fitting never disturbs torch's global random state.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from agents.forecast.models import Scaler, WindowModel, flat_inputs
from agents.forecast.windows import Windows


@dataclass(frozen=True)
class TrainConfig:
    """How a neural forecaster is trained."""

    max_epochs: int = 300        # upper bound; early stopping usually ends sooner
    patience: int = 20           # epochs without a better validation loss before stopping
    batch_size: int = 64
    lr: float = 1e-3             # Adam learning rate
    weight_decay: float = 1e-5   # L2 penalty on the weights (Adam's)
    seed: int = 0                # weight initialisation and batch order


class TorchModel(WindowModel):
    """Training loop and persistence shared by :class:`MLP` and :class:`LSTM`."""

    name = "torch_model"

    def __init__(self, horizon: int, lookback: int, hidden: int, train: TrainConfig = TrainConfig()):
        super().__init__(horizon, lookback)
        self.hidden, self.train_cfg = int(hidden), train
        self.net: nn.Module | None = None
        self.epochs_run = 0
        self.best_validation_loss = float("nan")

    # -- subclasses ---------------------------------------------------------------------------
    def _network(self, n_features: int) -> nn.Module:
        raise NotImplementedError

    def _inputs(self, history: np.ndarray, features: np.ndarray | None) -> torch.Tensor:
        raise NotImplementedError

    # -- fitting ------------------------------------------------------------------------------
    def _build(self) -> None:
        n_features = self.scaler.feature_mean.size
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.train_cfg.seed)
            self.net = self._network(n_features)

    def _fit(self, train: Windows, validation: Windows) -> None:
        cfg = self.train_cfg
        self._build()
        x_tr, y_tr = self._inputs(train.history, train.features), self._target(train)
        has_val = len(validation) > 0
        x_va, y_va = (self._inputs(validation.history, validation.features), self._target(validation)) if has_val \
            else (x_tr, y_tr)
        opt = torch.optim.Adam(self.net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        gen = torch.Generator().manual_seed(cfg.seed)
        best, best_state, stale = float("inf"), None, 0
        for epoch in range(cfg.max_epochs):
            self.net.train()
            for batch in torch.randperm(len(x_tr), generator=gen).split(cfg.batch_size):
                opt.zero_grad()
                loss = nn.functional.mse_loss(self.net(x_tr[batch]), y_tr[batch])
                loss.backward()
                opt.step()
            self.net.eval()
            with torch.no_grad():
                val_loss = float(nn.functional.mse_loss(self.net(x_va), y_va))
            self.epochs_run = epoch + 1
            if val_loss < best - 1e-6:
                best, stale = val_loss, 0
                best_state = {k: v.detach().clone() for k, v in self.net.state_dict().items()}
            else:
                stale += 1
                if stale >= cfg.patience:
                    break
        self.net.load_state_dict(best_state)
        self.net.eval()
        self.best_validation_loss = best

    def _target(self, w: Windows) -> torch.Tensor:
        return torch.as_tensor(self.scaler.values(w.target), dtype=torch.float32)

    def _predict(self, history: np.ndarray, features: np.ndarray | None) -> np.ndarray:
        with torch.no_grad():
            return self.net(self._inputs(history, features)).numpy().astype(np.float64)

    # -- persistence --------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write configuration, scaler and weights with ``torch.save`` (a ``.pt`` file)."""
        config = {"horizon": self.horizon, "lookback": self.lookback, "hidden": self.hidden,
                  "train": asdict(self.train_cfg), "with_features": self.with_features}
        torch.save({"kind": self.name, "config": config, "scaler": self.scaler.to_dict(),
                    "state_dict": self.net.state_dict()}, Path(path))

    @classmethod
    def from_saved(cls, saved: dict[str, Any]) -> "TorchModel":
        """Rebuild a fitted model from what :meth:`save` wrote (loaded with ``weights_only=True``)."""
        c = saved["config"]
        model = cls(c["horizon"], c["lookback"], c["hidden"], TrainConfig(**c["train"]))
        model.with_features, model.scaler = c["with_features"], Scaler.from_dict(saved["scaler"])
        model._build()
        model.net.load_state_dict(saved["state_dict"])
        model.net.eval()
        return model


class MLP(TorchModel):
    """Two hidden ReLU layers of ``hidden`` units from the flat inputs (scaled lookback readings and
    the last reading's features) to the horizon."""

    name = "mlp"

    def __init__(self, horizon: int, lookback: int, hidden: int = 128, train: TrainConfig = TrainConfig()):
        super().__init__(horizon, lookback, hidden, train)

    def _network(self, n_features: int) -> nn.Module:
        return nn.Sequential(nn.Linear(self.lookback + n_features, self.hidden), nn.ReLU(),
                             nn.Linear(self.hidden, self.hidden), nn.ReLU(), nn.Linear(self.hidden, self.horizon))

    def _inputs(self, history: np.ndarray, features: np.ndarray | None) -> torch.Tensor:
        return torch.as_tensor(flat_inputs(self.scaler, history, features), dtype=torch.float32)


class _LastStep(nn.Module):
    """An LSTM over the sequence, a linear head on its last hidden state."""

    def __init__(self, n_inputs: int, hidden: int, horizon: int):
        super().__init__()
        self.lstm = nn.LSTM(n_inputs, hidden, batch_first=True)
        self.head = nn.Linear(hidden, horizon)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


class LSTM(TorchModel):
    """One LSTM layer of ``hidden`` units reading the lookback window step by step (each step: the
    scaled reading and its scaled features), a linear head from the last state to the horizon."""

    name = "lstm"

    def __init__(self, horizon: int, lookback: int, hidden: int = 48, train: TrainConfig = TrainConfig()):
        super().__init__(horizon, lookback, hidden, train)

    def _network(self, n_features: int) -> nn.Module:
        return _LastStep(1 + n_features, self.hidden, self.horizon)

    def _inputs(self, history: np.ndarray, features: np.ndarray | None) -> torch.Tensor:
        seq = self.scaler.values(history)[..., None]
        if features is not None:
            seq = np.concatenate([seq, self.scaler.features(features)], axis=2)
        return torch.as_tensor(seq, dtype=torch.float32)
