"""stable-baselines3 on twin's envs: ``train_sb3`` (PPO, A2C, SAC, DQN with checkpoints, KPI
evaluation and TensorBoard), ``SB3Policy`` / ``load_sb3`` (a trained model as an
``agents.policy.Policy``)."""

from agents.sb3.policy import ALGORITHMS, SB3Policy, UnknownAlgorithm, load_sb3
from agents.sb3.train import (ACTION_SPACES, SB3Evaluation, SB3Options, SB3Run, UnsupportedActionSpace,
                               latest_checkpoint, train_sb3)

__all__ = ["ALGORITHMS", "ACTION_SPACES", "SB3Evaluation", "SB3Options", "SB3Policy", "SB3Run", "UnknownAlgorithm",
           "UnsupportedActionSpace", "load_sb3", "latest_checkpoint", "train_sb3"]
