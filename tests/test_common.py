"""scikit-learn's common checks over every public estimator, plus the checks
that ``check_estimator`` does not run by default."""

import pytest
from sklearn.base import TransformerMixin
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_global_output_transform_pandas,
    check_param_validation,
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
    parametrize_with_checks,
)

from sklearn_unsup.utils import all_estimators
from sklearn_unsup.utils._test_common import (
    EXPECTED_FAILED_CHECKS,
    EXPECTED_FAILED_CHECKS_WITH_DEFAULT_CLASSIFIER,
    expected_failed_checks,
    make_default_instances,
    make_test_instances,
)

ESTIMATORS = all_estimators()
INSTANCES = make_test_instances(ESTIMATORS)


def _ids(est):
    return type(est).__name__


def test_all_estimators_found():
    names = [name for name, _ in ESTIMATORS]
    assert {"AutoEncoder", "BalancedKMeans", "SelfOrganizingMap"} <= set(names)
    # every entry of the expected-failure table names a real estimator and gives a reason
    tables = {**EXPECTED_FAILED_CHECKS}
    for name, checks in EXPECTED_FAILED_CHECKS_WITH_DEFAULT_CLASSIFIER.items():
        tables[name] = {**tables.get(name, {}), **checks}
    for name, checks in tables.items():
        assert name in names, name
        for check, reason in checks.items():
            assert isinstance(reason, str) and len(reason) > 20, (name, check)


@parametrize_with_checks(INSTANCES, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def _skip_if_expected(estimator, check_name):
    reason = expected_failed_checks(estimator).get(check_name)
    if reason:
        pytest.xfail(reason)


@pytest.mark.parametrize("estimator", INSTANCES, ids=_ids)
def test_param_validation(estimator):
    _skip_if_expected(estimator, "check_param_validation")
    check_param_validation(type(estimator).__name__, estimator)


@pytest.mark.parametrize("estimator", INSTANCES, ids=_ids)
def test_dataframe_column_names_consistency(estimator):
    _skip_if_expected(estimator, "check_dataframe_column_names_consistency")
    check_dataframe_column_names_consistency(type(estimator).__name__, estimator)


TRANSFORMERS = [e for e in INSTANCES if isinstance(e, TransformerMixin)]
TRANSFORMER_CHECKS = [
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_global_output_transform_pandas,
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
]


@pytest.mark.parametrize("check", TRANSFORMER_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("estimator", TRANSFORMERS, ids=_ids)
def test_transformer_output_checks(estimator, check):
    _skip_if_expected(estimator, check.__name__)
    check(type(estimator).__name__, estimator)


# ------------------------------------------------------------------ the same checks on the defaults
DEFAULT_INSTANCES = make_default_instances(ESTIMATORS)


@parametrize_with_checks(DEFAULT_INSTANCES, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator_with_defaults(estimator, check):
    """Defaults (epochs lowered) must pass what the fast settings pass: a default that breaks on small data fails."""
    check(estimator)
