"""The policy-gradient loss that GRPO and PPO share: clipped surrogate, KL, entropy, importance correction.

Everything is per token on [B, T] tensors with a 0/1 ``mask`` (1 = a token the policy sampled and
should learn from; prompt, padding and env/tool tokens of multi-turn episodes are 0). With
``r_t`` the importance ratio, ``A_t`` the advantage, ``w_t`` the truncated importance weight,
``k_t`` the KL estimate and ``H_t`` the entropy, the loss of one token is::

    l_t = -min(r_t A_t, clip(r_t, 1 - eps_low, 1 + eps_high) A_t) * w_t  +  beta k_t  -  c H_t

and :func:`aggregate` reduces ``l`` over the masked tokens. GRPO and PPO differ only in where the
advantages come from (see :mod:`rlvr.trainers.advantages`).

PPO on control uses the same function with [N, 1] tensors, one row per environment step:
``logp``/``old_logp`` are the step's action log-probability summed over action dimensions,
``advantages`` the GAE advantages [N], ``mask`` ones [N, 1] and ``entropy`` the step's policy
entropy. ``token-mean`` (and ``seq-mean-token-mean``) is then the mean over steps: the standard
PPO clipped objective.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Literal, get_args

import torch
from torch import Tensor

Aggregation = Literal["token-mean", "seq-mean-token-mean", "seq-mean-token-sum-norm"]
RatioLevel = Literal["token", "sequence"]
KLEstimator = Literal["k1", "k2", "k3"]


@dataclass(frozen=True)
class PolicyLossConfig:
    """The knobs of :func:`policy_loss`; the defaults are the plain PPO/GRPO clipped objective.

    - ``clip_low``/``clip_high``: the ratio is clipped to [1 - clip_low, 1 + clip_high]; a larger
      ``clip_high`` is DAPO's clip-higher.
    - ``dual_clip``: PPO dual-clip constant c > 1; for A < 0 the loss is capped at -c A.
    - ``ratio_level``: ``"token"`` (PPO/GRPO) or ``"sequence"`` (GSPO: one ratio per sequence,
      exp of the mean token log-ratio).
    - ``aggregation``: how per-token losses become one number, see :func:`aggregate`;
      ``"seq-mean-token-sum-norm"`` (Dr. GRPO) divides by ``max_tokens_norm``, which it requires.
    - ``kl_coef``/``kl_estimator``: beta and the estimator (k1, k2, k3) of KL(pi_theta || pi_ref);
      off at 0.
    - ``entropy_coef``: c of the entropy bonus; off at 0.
    - ``tis_cap``: truncated importance sampling between sampler and learner; off when None.
    """

    clip_low: float = 0.2
    clip_high: float = 0.2
    dual_clip: float | None = None
    ratio_level: RatioLevel = "token"
    aggregation: Aggregation = "token-mean"
    max_tokens_norm: int | None = None
    kl_coef: float = 0.0
    kl_estimator: KLEstimator = "k3"
    entropy_coef: float = 0.0
    tis_cap: float | None = None

    def __post_init__(self) -> None:
        _check_choice("ratio_level", self.ratio_level, RatioLevel)
        _check_choice("aggregation", self.aggregation, Aggregation)
        _check_choice("kl_estimator", self.kl_estimator, KLEstimator)
        if not 0 <= self.clip_low < 1 or self.clip_high < 0:
            raise ValueError(
                f"need 0 <= clip_low < 1 and clip_high >= 0, got clip_low={self.clip_low}, "
                f"clip_high={self.clip_high}"
            )
        if self.dual_clip is not None and self.dual_clip <= 1:
            raise ValueError(f"dual_clip must be > 1 (3.0 is usual) or None, got {self.dual_clip}")
        if self.aggregation == "seq-mean-token-sum-norm" and (self.max_tokens_norm or 0) < 1:
            raise ValueError(
                "aggregation 'seq-mean-token-sum-norm' divides by a fixed length: set max_tokens_norm "
                "(e.g. the maximum number of generated tokens)"
            )
        if self.kl_coef < 0 or self.entropy_coef < 0:
            raise ValueError(
                f"kl_coef and entropy_coef must be >= 0, got {self.kl_coef} and {self.entropy_coef}"
            )
        if self.tis_cap is not None and self.tis_cap <= 0:
            raise ValueError(f"tis_cap must be positive (2.0 is usual) or None, got {self.tis_cap}")


def _check_choice(name: str, value: str, choices: object) -> None:
    """Raise a ValueError naming the allowed values when ``value`` is not one of the Literal's."""
    allowed = get_args(choices)
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}")


def masked_mean(values: Tensor, mask: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """``sum(m x) / max(sum(m), 1)`` over ``dim`` (all elements when None); masked values never leak in."""
    masked = torch.where(mask > 0, values, torch.zeros_like(values))
    if dim is None:
        return masked.sum() / mask.sum().clamp(min=1)
    return masked.sum(dim, keepdim=keepdim) / mask.sum(dim, keepdim=keepdim).clamp(min=1)


def log_importance_ratio(logp: Tensor, old_logp: Tensor, mask: Tensor, level: RatioLevel) -> Tensor:
    """Log importance ratio of the learner over the policy that produced ``old_logp``, [B, T].

    token:    log r_t = logp_t - old_logp_t          (0 where the mask is 0)
    sequence: log s   = sum_t m_t (logp_t - old_logp_t) / sum_t m_t, the same for every t of a row (GSPO)
    """
    log_ratio = torch.where(mask > 0, logp - old_logp, torch.zeros_like(logp))
    if level == "token":
        return log_ratio
    return masked_mean(log_ratio, mask, dim=-1, keepdim=True).expand_as(log_ratio)


def clipped_surrogate_loss(
    ratio: Tensor, advantages: Tensor, clip_low: float, clip_high: float, dual_clip: float | None = None
) -> Tensor:
    """Per-token PPO clipped surrogate, as a loss to minimise.

    l_t = -min(r_t A_t, clip(r_t, 1 - clip_low, 1 + clip_high) A_t)
    dual clip (Ye et al. 2020), where A_t < 0:  l_t = min(l_t, -c A_t)
    """
    unclipped = ratio * advantages
    clipped = ratio.clamp(1 - clip_low, 1 + clip_high) * advantages
    loss = -torch.minimum(unclipped, clipped)
    if dual_clip is None:
        return loss
    return torch.where(advantages < 0, torch.minimum(loss, -dual_clip * advantages), loss)


def kl_penalty(logp: Tensor, ref_logp: Tensor, estimator: KLEstimator) -> Tensor:
    """Per-token estimate of KL(pi_theta || pi_ref) on tokens sampled from the policy (Schulman's k1/k2/k3).

    With log rho_t = ref_logp_t - logp_t:
    k1 = -log rho        (unbiased, can be negative)
    k2 = (log rho)^2 / 2
    k3 = rho - 1 - log rho   (unbiased, always >= 0; GRPO's choice)
    """
    log_rho = ref_logp - logp
    if estimator == "k1":
        return -log_rho
    if estimator == "k2":
        return 0.5 * log_rho.square()
    return torch.exp(log_rho) - 1 - log_rho


def truncated_importance_weight(old_logp: Tensor, sampler_logp: Tensor, mask: Tensor, cap: float) -> Tensor:
    """Truncated importance sampling weight between the sampler (e.g. vLLM) and the learner (TIS).

    w_t = min(exp(old_logp_t - sampler_logp_t), cap), detached; 1 where the mask is 0.
    ``old_logp`` is the learner's log-prob of the sampled token before this update.
    """
    log_weight = torch.where(mask > 0, old_logp - sampler_logp, torch.zeros_like(old_logp))
    return torch.exp(log_weight).clamp(max=cap).detach()


def aggregate(
    per_token: Tensor,
    mask: Tensor,
    mode: Aggregation,
    *,
    max_tokens_norm: int | None = None,
    normalizer: float | None = None,
) -> Tensor:
    """Reduce a per-token loss [B, T] to a scalar over the masked tokens.

    token-mean:              sum_it m l / sum_it m                     (DAPO, TRL "bnpo"/"dapo")
    seq-mean-token-mean:     1/B sum_i (sum_t m l / sum_t m)           (original GRPO)
    seq-mean-token-sum-norm: sum_it m l / (B * max_tokens_norm)        (Dr. GRPO, constant divisor)

    B counts every row, fully masked ones included (they add 0): drop a sample by removing its row.
    ``normalizer`` replaces the count in the denominator (sum_it m for token-mean, B otherwise)
    when a batch is split into micro-batches: pass the whole batch's count so the micro-batch
    losses sum to the batch loss.
    """
    masked = torch.where(mask > 0, per_token, torch.zeros_like(per_token))
    if mode == "token-mean":
        count = mask.sum().clamp(min=1) if normalizer is None else normalizer
        return masked.sum() / count
    rows = per_token.shape[0] if normalizer is None else normalizer
    if mode == "seq-mean-token-mean":
        return (masked.sum(-1) / mask.sum(-1).clamp(min=1)).sum() / rows
    if max_tokens_norm is None:
        raise ValueError("aggregation 'seq-mean-token-sum-norm' needs max_tokens_norm")
    return masked.sum() / (rows * max_tokens_norm)


def mask_truncated(mask: Tensor, truncated: Tensor) -> Tensor:
    """Overlong filtering (DAPO): ``m'_it = m_it * (1 - truncated_i)``, so truncated samples teach nothing."""
    return mask * (~truncated.bool()).to(mask.dtype)[:, None]


def policy_loss(
    logp: Tensor,
    old_logp: Tensor,
    advantages: Tensor,
    mask: Tensor,
    cfg: PolicyLossConfig,
    *,
    ref_logp: Tensor | None = None,
    sampler_logp: Tensor | None = None,
    entropy: Tensor | None = None,
    normalizer: float | None = None,
    with_metrics: bool = True,
) -> tuple[Tensor, dict[str, float]]:
    """The shared policy-gradient loss and its diagnostics.

    ``logp`` [B, T] is the learner's log-prob of each sampled token (with gradient); ``old_logp``
    the same before this update (detached); ``advantages`` one per sequence [B] or per token
    [B, T]; ``mask`` 0/1 [B, T]. ``ref_logp`` is needed when ``cfg.kl_coef > 0``, ``sampler_logp``
    (the inference engine's log-probs) when ``cfg.tis_cap`` is set, ``entropy`` [B, T] when
    ``cfg.entropy_coef > 0`` (and logged whenever given). ``normalizer``: see :func:`aggregate`.

    Loss: ``aggregate(-min(r A, clip(r) A) * w + beta k - c H)`` (module docstring).
    Metrics: loss, policy_loss, clip_frac_low, clip_frac_high, ratio_mean, ratio_max, approx_kl
    (k3 estimate of KL(pi_old || pi_theta)), plus dual_clip_frac, kl_to_ref, entropy,
    tis_weight_mean and sampler_logp_gap (mean |old_logp - sampler_logp|: how far the sampler's
    numbers are from the learner's) when those parts are on or given. Means are over masked tokens.
    ``with_metrics=False`` returns an empty dict instead and skips their computation (PPO's many
    small minibatches, where the diagnostics would cost as much as the step).
    """
    _check_inputs(logp, old_logp, advantages, mask, cfg, ref_logp, sampler_logp, entropy)
    mask = mask.to(logp.dtype)
    if advantages.dim() == 1:
        advantages = advantages[:, None]
    log_ratio = log_importance_ratio(logp, old_logp, mask, cfg.ratio_level)
    ratio = torch.exp(log_ratio)
    surrogate = clipped_surrogate_loss(ratio, advantages, cfg.clip_low, cfg.clip_high, cfg.dual_clip)

    weight = None
    if cfg.tis_cap is not None:
        weight = truncated_importance_weight(old_logp, sampler_logp, mask, cfg.tis_cap)
        surrogate = surrogate * weight
    per_token = surrogate
    kl = None
    if ref_logp is not None:
        kl = kl_penalty(logp, ref_logp, cfg.kl_estimator)
        if cfg.kl_coef > 0:
            per_token = per_token + cfg.kl_coef * kl
    if cfg.entropy_coef > 0:
        per_token = per_token - cfg.entropy_coef * entropy

    reduce = partial(
        aggregate, mask=mask, mode=cfg.aggregation, max_tokens_norm=cfg.max_tokens_norm, normalizer=normalizer
    )
    loss = reduce(per_token)
    if not with_metrics:
        return loss, {}
    with torch.no_grad():
        metrics = {"loss": loss.item(), "policy_loss": reduce(surrogate).item()}
        metrics.update(_ratio_metrics(ratio, logp - old_logp, advantages, mask, cfg))
        if kl is not None:
            metrics["kl_to_ref"] = masked_mean(kl, mask).item()
        if entropy is not None:
            metrics["entropy"] = masked_mean(entropy, mask).item()
        if weight is not None:
            metrics["tis_weight_mean"] = masked_mean(weight, mask).item()
        if sampler_logp is not None:
            metrics["sampler_logp_gap"] = masked_mean((old_logp - sampler_logp).abs(), mask).item()
    return loss, metrics


def _ratio_metrics(
    ratio: Tensor, token_log_ratio: Tensor, advantages: Tensor, mask: Tensor, cfg: PolicyLossConfig
) -> dict[str, float]:
    """Clip fractions (share of tokens whose clip is active), ratio statistics and approx_kl."""
    ratio, advantages = ratio.detach(), advantages.expand_as(ratio)
    low = (ratio < 1 - cfg.clip_low) & (advantages < 0)
    high = (ratio > 1 + cfg.clip_high) & (advantages > 0)
    token_log_ratio = torch.where(mask > 0, token_log_ratio.detach(), torch.zeros_like(ratio))
    metrics = {
        "clip_frac_low": masked_mean(low.to(mask.dtype), mask).item(),
        "clip_frac_high": masked_mean(high.to(mask.dtype), mask).item(),
        "ratio_mean": masked_mean(ratio, mask).item(),
        "ratio_max": ratio.masked_fill(mask == 0, 0).max().item() if mask.any() else 0.0,
        "approx_kl": masked_mean(torch.expm1(token_log_ratio) - token_log_ratio, mask).item(),
    }
    if cfg.dual_clip is not None:
        dual = (ratio > cfg.dual_clip) & (advantages < 0)
        metrics["dual_clip_frac"] = masked_mean(dual.to(mask.dtype), mask).item()
    return metrics


def _check_inputs(
    logp: Tensor,
    old_logp: Tensor,
    advantages: Tensor,
    mask: Tensor,
    cfg: PolicyLossConfig,
    ref_logp: Tensor | None,
    sampler_logp: Tensor | None,
    entropy: Tensor | None,
) -> None:
    """Raise a ValueError that says what to pass when shapes disagree or a needed input is missing."""
    if logp.dim() != 2:
        raise ValueError(
            f"logp must be [batch, tokens] (use [N, 1] for one action per step), got {tuple(logp.shape)}"
        )
    for name, tensor in (("old_logp", old_logp), ("mask", mask), ("ref_logp", ref_logp),
                         ("sampler_logp", sampler_logp), ("entropy", entropy)):
        if tensor is not None and tensor.shape != logp.shape:
            raise ValueError(
                f"{name} has shape {tuple(tensor.shape)} but logp has {tuple(logp.shape)}; they must match"
            )
    if advantages.shape not in (logp.shape[:1], logp.shape, (logp.shape[0], 1)):
        raise ValueError(
            f"advantages must be [batch] or [batch, tokens], got {tuple(advantages.shape)} for logp "
            f"{tuple(logp.shape)}"
        )
    needed = (("kl_coef > 0", cfg.kl_coef > 0, "ref_logp", ref_logp),
              ("tis_cap is set", cfg.tis_cap is not None, "sampler_logp", sampler_logp),
              ("entropy_coef > 0", cfg.entropy_coef > 0, "entropy", entropy))
    for condition, active, name, tensor in needed:
        if active and tensor is None:
            raise ValueError(f"{condition} in the config, so pass {name}=...")
