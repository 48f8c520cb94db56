"""The checks of chapter 6's exercises: right answers pass, typical wrong ones get their hint."""

import numpy as np
import pytest

from helpers.book.exercises import ch06
from helpers.optim import SGD
from helpers.schedulers import (
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiStepLR,
    OneCycleLR,
    ReduceLROnPlateau,
    SequentialLR,
    StepLR,
)


def warmup_cosine(start=0.01, warmup=10, t_max=90, milestone=10, eta_min=0.0):
    def build(opt):
        warm = LinearLR(opt, start_factor=start, total_iters=warmup)
        cool = CosineAnnealingLR(opt, T_max=t_max, eta_min=eta_min)
        return SequentialLR(opt, [warm, cool], milestones=[milestone])

    return build


def on_another_optimizer(opt):
    return StepLR(SGD(lr=0.1), step_size=10)


@pytest.mark.parametrize(
    "check, answer, expected",
    [
        (ch06.check_step_lr, 0.025, "Correct"),
        (ch06.check_step_lr, 0.0125, "three halvings"),
        (ch06.check_step_lr, 0.1 * 0.5**2.5, "not smoothly"),
        (ch06.check_step_lr, 0.05, "one halving"),
        (ch06.check_step_lr, 0.001, "not StepLR's default 0.1"),
        (ch06.check_step_lr, 0.1 * 0.5**75, "not every step"),
        (ch06.check_step_lr, 0.07, "η₀ · gamma^⌊t / step_size⌋"),
        (ch06.check_step_lr, "0.025", "Correct"),  # a number in a string is still that number
        (ch06.check_step_lr, 0.025004, "Correct"),  # right to 4 significant digits
        (ch06.check_step_lr, 0.01768, "not smoothly"),  # 0.1 · 0.5^2.5 = 0.0176777, rounded
        (ch06.check_step_lr, 0.0125004, "three halvings"),  # hints at the same tolerance
        (ch06.check_step_lr, 0.0251, "rounded too far"),  # 3 digits: the ROUNDED hint
        (ch06.check_step_lr, [0.1, 0.2], "single number"),
        (ch06.check_warmup_cosine, warmup_cosine(), "Correct"),
        (ch06.check_warmup_cosine, warmup_cosine(t_max=100), "T_max is 90, not 100"),
        (ch06.check_warmup_cosine, warmup_cosine(t_max=89), "T_max = 89; it should last 90"),
        (ch06.check_warmup_cosine, warmup_cosine(t_max=91), "T_max = 91; it should last 90"),
        (ch06.check_warmup_cosine, warmup_cosine(eta_min=1e-3), "ends at eta_min = 0.001"),
        (ch06.check_warmup_cosine, warmup_cosine(start=1 / 3), "LinearLR's default 1/3"),
        (ch06.check_warmup_cosine, warmup_cosine(start=0.1), "the warm-up is not: at step 0"),
        (ch06.check_warmup_cosine, warmup_cosine(warmup=5), "the warm-up is not: at step 1"),
        (ch06.check_warmup_cosine, warmup_cosine(milestone=20, t_max=80), "At step 11 your lr"),
        (ch06.check_warmup_cosine, lambda opt: CosineAnnealingLR(opt, T_max=100), "At step 0"),
        (ch06.check_warmup_cosine, lambda opt: None, "returned None"),
        (ch06.check_warmup_cosine, lambda opt: 0.1, "got float"),
        (ch06.check_warmup_cosine, on_another_optimizer, "on the optimizer opt"),
        (ch06.check_warmup_cosine, 0.1, "check_warmup_cosine(build), without"),
        (ch06.check_below_floor, lambda opt: CosineAnnealingLR(opt, T_max=200), "Correct"),
        (ch06.check_below_floor, lambda opt: ExponentialLR(opt, gamma=0.98), "Correct"),
        (ch06.check_below_floor, lambda opt: LambdaLR(opt, lambda t: 20 / (20 + t)), "Correct"),
        (ch06.check_below_floor, lambda opt: MultiStepLR(opt, [100, 150], gamma=0.3), "Correct"),
        (ch06.check_below_floor, lambda opt: None, "leaves the lr constant"),
        (ch06.check_below_floor, lambda opt: ExponentialLR(opt, gamma=0.999), "stay low"),
        (
            ch06.check_below_floor,
            lambda opt: CosineAnnealingWarmRestarts(opt, T_0=50),
            "Over the last 50 steps",
        ),
        (ch06.check_below_floor, lambda opt: ExponentialLR(opt, gamma=0.9), "before step 40"),
        (ch06.check_below_floor, lambda opt: StepLR(opt, step_size=10), "before step 40"),
        (ch06.check_below_floor, lambda opt: MultiStepLR(opt, [100, 150]), "gentler cuts"),
        (
            ch06.check_below_floor,
            lambda opt: ReduceLROnPlateau(opt, factor=0.5, patience=10),
            "not yet below 0.001",
        ),
        (ch06.check_below_floor, lambda opt: ExponentialLR(opt, gamma=1.05), "diverged"),
        (ch06.check_below_floor, lambda opt: "cosine", "a scheduler or None"),
        (ch06.check_one_cycle_peak, 49, "Correct"),
        (ch06.check_one_cycle_peak, 50, "One too far"),
        (ch06.check_one_cycle_peak, 59, "default 0.3"),
        (ch06.check_one_cycle_peak, 100, "not in the middle"),
        (ch06.check_one_cycle_peak, 49.5, "whole numbers"),
        (ch06.check_one_cycle_peak, 10, "counted from step 0"),
    ],
)
def test_chapter_6_answers(check, answer, expected):
    feedback = check(answer)
    assert expected in repr(feedback)
    assert feedback.passed == (expected == "Correct")


def test_placeholders_get_the_placeholder_hint():
    for check in (
        ch06.check_step_lr,
        ch06.check_warmup_cosine,
        ch06.check_below_floor,
        ch06.check_one_cycle_peak,
    ):
        assert "Replace the ..." in check(...).message


def test_a_near_miss_shows_enough_digits_to_see_the_difference():
    message = ch06.check_warmup_cosine(warmup_cosine(t_max=89, eta_min=1e-3)).message
    assert "At step 11 your lr is 0.0999692, the target is 0.0999695" in message
    assert "..." not in ch06.check_below_floor(0.1).message + ch06.check_warmup_cosine(1).message


def test_the_warmup_target_is_the_closed_form_and_a_stepped_scheduler_meets_it():
    target = ch06._warmup_cosine_target(0.1)
    assert target[0] == pytest.approx(0.001) and target[10] == pytest.approx(0.1)
    assert target[55] == pytest.approx(0.05) and target[99] == pytest.approx(
        0.05 * (1 + np.cos(np.pi * 89 / 90))
    )
    opt = SGD(lr=0.1)
    sched = warmup_cosine()(opt)
    stepped = []
    for _ in range(100):
        stepped.append(sched.get_last_lr()[0])
        sched.step()
    np.testing.assert_allclose(stepped, target, rtol=1e-12)


def test_floor_gap_is_the_mean_gap_over_the_last_50_of_200_hand_written_sgd_steps():
    from helpers.data import make_regression

    X, y, _ = make_regression(n=500, d=2, noise=1.0, seed=0)
    A = np.hstack([X, np.ones((500, 1))])
    minimum = np.mean((A @ np.linalg.solve(A.T @ A, A.T @ y) - y) ** 2)
    rng, x, losses = np.random.default_rng(0), np.zeros(3), []
    for _ in range(4):  # 4 epochs of 50 batches of 10 rows, reshuffled each epoch
        for rows in rng.permutation(500).reshape(50, 10):
            x = x - 0.05 * (2 / 10) * ((A[rows] @ x - y[rows]) @ A[rows])
            losses.append(np.mean((A @ x - y) ** 2))
    gap = np.mean(np.array(losses[-50:]) - minimum)
    assert ch06.floor_gap(lambda opt: None) == pytest.approx(gap, rel=1e-12)
    assert ch06.floor_gap(lambda opt: None) > 10 * ch06.FLOOR_TARGET / 2  # the floor is real


def test_the_peak_of_one_cycle_is_pct_start_times_total_minus_one():
    opt = SGD(lr=0.1)
    sched = OneCycleLR(opt, max_lr=0.1, total_steps=200, pct_start=0.25, cycle_momentum=False)
    lrs = []
    for _ in range(200):
        lrs.append(sched.get_last_lr()[0])
        sched.step()
    assert int(np.argmax(lrs)) == 0.25 * 200 - 1
    assert lrs[49] == pytest.approx(0.1)


def test_the_solution_of_exercise_3_is_right_about_the_other_schedules():
    """The worked solution says which other schedules pass: gentle steps do, a factor 10 or an
    early exponential decay do not."""
    gentle = ch06.floor_gap(lambda opt: MultiStepLR(opt, milestones=[100, 150], gamma=0.3))
    abrupt = ch06.floor_gap(lambda opt: MultiStepLR(opt, milestones=[100, 150], gamma=0.1))
    early = ch06.floor_gap(lambda opt: ExponentialLR(opt, gamma=0.9))
    assert gentle < ch06.FLOOR_TARGET < abrupt
    assert early > ch06.FLOOR_TARGET
    assert ch06.check_below_floor(
        lambda opt: MultiStepLR(opt, milestones=[100, 150], gamma=0.3)
    ).passed


def test_cuts_by_ten_are_a_gamble_as_the_solution_of_exercise_3_says(monkeypatch):
    """On the check's batches one cut at step 150 passes and cuts at 100 and 150 do not; on most
    other batch orders both fail."""
    one_cut = lambda opt: MultiStepLR(opt, milestones=[150], gamma=0.1)  # noqa: E731
    two_cuts = lambda opt: MultiStepLR(opt, milestones=[100, 150], gamma=0.1)  # noqa: E731
    assert ch06.check_below_floor(one_cut).passed
    assert not ch06.check_below_floor(two_cuts).passed
    for build in (one_cut, two_cuts):
        passed = 0
        for seed in range(1, 21):
            monkeypatch.setattr(ch06, "FLOOR_SEED", seed)
            passed += ch06.floor_gap(build) < ch06.FLOOR_TARGET
        assert passed < 10


def test_step_lr_hints_fire_at_the_same_tolerance_as_a_pass():
    """Each specific wrong answer is recognised when given to 4 significant digits, as the right
    one is, and the rounded-answer hint comes only after them."""
    for wrong, words in [
        (0.1 * 0.5**3, "three halvings"),
        (0.1 * 0.5**2.5, "not smoothly"),
        (0.05, "one halving"),
        (0.1 * 0.1**2, "default 0.1"),
    ]:
        four_digits = float(f"{wrong:.4g}")
        assert words in ch06.check_step_lr(four_digits).message
    assert ch06.check_step_lr(float(f"{0.025 * (1 + 4e-5):.6g}")).passed
    assert not ch06.check_step_lr(0.02502).passed
