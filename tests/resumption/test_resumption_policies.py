"""Support policies: the catalogue, matching with reasons, applications and their outcome."""

import datetime as dt
from decimal import Decimal

import pytest

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.errors import DomainError
from fangyi.resumption import policies
from fangyi.resumption.models import Policy, PolicyApplication

SPRING = dt.date(2020, 2, 10)


@pytest.fixture(autouse=True)
def spring():
    with clock.frozen_at(dt.datetime(2020, 2, 10, 10, tzinfo=clock.SHANGHAI)):
        yield


@pytest.fixture
def province(make_user):
    return make_user(Role.PROVINCIAL_COMMAND, "43", username="province-p")


@pytest.fixture
def other_county(make_user):
    return make_user(Role.COUNTY_OFFICIAL, "430103", username="other-county-p")


@pytest.fixture
def make_policy(province):
    def make(actor=None, **fields):
        values = {
            "code": fields.pop("code", f"p-{Policy.objects.count() + 1}"),
            "title": "阶段性减免社保费",
            "kind": "social_insurance",
            "summary": "2020年2月至6月免征中小微企业三项社会保险单位缴费部分。",
            "issuer": "430000",
            "valid_from": dt.date(2020, 2, 1),
        } | fields
        return policies.policy_create(actor=actor or province, **values)

    return make


def _refused(expected, call, /, **kwargs):
    with pytest.raises(DomainError) as raised:
        call(**kwargs)
    assert raised.value.code == expected, raised.value.code
    return raised.value


def test_matching_explains_each_fit_and_leaves_out_the_rest(make_policy, official, province, enterprise):
    fits = make_policy(
        code="manufacturing-loan", kind="loan", industries=["manufacturing"], large_scale_only=True
    )
    make_policy(code="small-only", small_only=True)
    make_policy(code="catering", industries=["catering"])
    make_policy(code="expired", valid_until=dt.date(2020, 2, 9))
    make_policy(code="tiny", max_workforce=50)
    make_policy(code="elsewhere", issuer="430200")
    make_policy(code="later", valid_from=dt.date(2020, 3, 1))
    make_policy(code="withdrawn")
    policies.policy_update(actor=province, policy_id=Policy.objects.get(code="withdrawn").pk, active=False)
    everyone = make_policy(code="everyone", actor=official, issuer="430102")
    matches = policies.policy_matches(actor=official, enterprise_id=enterprise.pk)
    assert [policy for policy, _reasons in matches] == [fits, everyone]
    reasons = dict(matches)[fits]
    assert any("Manufacturing" in reason or "制造" in reason for reason in reasons)
    assert len(reasons) == 3  # region, industry, size
    assert [
        p.code
        for p, _r in policies.policy_matches(
            actor=official, enterprise_id=enterprise.pk, on=dt.date(2020, 3, 2)
        )
    ] == [
        "manufacturing-loan",
        "everyone",
        "later",
    ]


def test_bad_policies_are_refused_with_nothing_written(make_policy, official, other_county):
    cases = [
        ({"kind": "gift"}, "policy.invalid_kind"),
        ({"industries": ["mining"]}, "policy.unknown_industry"),
        ({"large_scale_only": True, "small_only": True}, "policy.size_rule_conflict"),
        ({"valid_until": dt.date(2020, 1, 1)}, "policy.invalid_period"),
        ({"max_workforce": 0}, "policy.invalid_max_workforce"),
        ({"code": "有 空格"}, "policy.invalid_code"),
        ({"title": ""}, "policy.title_required"),
        ({"issuer": "43x"}, "policy.unknown_region"),
    ]
    for fields, code in cases:
        assert _refused(code, make_policy, **fields).status == 400
    # Outside the jurisdiction: the region is not found.
    assert _refused("region.not_found", make_policy, actor=other_county, issuer="430102").status == 404
    assert not Policy.objects.exists()
    make_policy(code="once")
    assert _refused("policy.duplicate", make_policy, code="once").status == 409
    assert Policy.objects.count() == 1


def test_update_only_by_the_issuing_jurisdiction(make_policy, official, province):
    policy = make_policy()
    _refused("permission_denied", policies.policy_update, actor=official, policy_id=policy.pk, title="改")
    _refused(
        "policy.size_rule_conflict",
        policies.policy_update,
        actor=province,
        policy_id=policy.pk,
        large_scale_only=True,
        small_only=True,
    )
    _refused("policy.unknown_field", policies.policy_update, actor=province, policy_id=policy.pk, code="x")
    updated = policies.policy_update(
        actor=province, policy_id=policy.pk, title="社保费减免", max_workforce=300
    )
    assert (updated.title, updated.max_workforce) == ("社保费减免", 300)
    policy.refresh_from_db()
    assert policy.small_only is False


def test_apply_decide_and_withdraw(make_policy, employer, liaison, stationed, enterprise, official):
    policy = make_policy(kind="loan")
    application = policies.policy_apply(
        actor=employer, enterprise_id=enterprise.pk, policy_id=policy.pk, amount_requested="500000.00"
    )
    assert application.amount_requested == Decimal("500000.00")
    assert (
        _refused(
            "policy.already_applied",
            policies.policy_apply,
            actor=liaison,
            enterprise_id=enterprise.pk,
            policy_id=policy.pk,
        ).status
        == 409
    )
    _refused(
        "policy_application.reason_required",
        policies.policy_decide,
        actor=official,
        application_id=application.pk,
        grant=False,
    )
    _refused(
        "policy.invalid_amount",
        policies.policy_decide,
        actor=official,
        application_id=application.pk,
        grant=True,
        amount_granted="-1",
    )
    _refused(
        "permission_denied", policies.policy_decide, actor=employer, application_id=application.pk, grant=True
    )
    decided = policies.policy_decide(
        actor=official, application_id=application.pk, grant=True, amount_granted=Decimal("300000")
    )
    assert (decided.status, decided.amount_granted, decided.decided_by_id) == (
        "granted",
        Decimal("300000"),
        official.pk,
    )
    _refused(
        "policy_application.decided",
        policies.policy_decide,
        actor=official,
        application_id=application.pk,
        grant=False,
        note="晚了",
    )
    _refused(
        "policy_application.decided",
        policies.policy_application_withdraw,
        actor=employer,
        application_id=application.pk,
    )
    # Another policy: applied, withdrawn, applied again.
    second = make_policy(code="rent")
    first = policies.policy_apply(
        actor=liaison, enterprise_id=enterprise.pk, policy_id=second.pk, note="厂房租金"
    )
    policies.policy_application_withdraw(actor=employer, application_id=first.pk)
    again = policies.policy_apply(actor=employer, enterprise_id=enterprise.pk, policy_id=second.pk)
    assert list(policies.policy_application_list(actor=official, policy_id=second.pk)) == [again, first]


def test_ineligible_and_out_of_reach_applications_write_nothing(
    make_policy, employer, liaison, enterprise, official, other_county
):
    small = make_policy(code="small", small_only=True)
    error = _refused(
        "policy.not_eligible",
        policies.policy_apply,
        actor=employer,
        enterprise_id=enterprise.pk,
        policy_id=small.pk,
    )
    assert (error.status, error.field) == (409, "size")
    policy = make_policy(code="open")
    for bad in ("-5", "1.001", "abc", "1e20"):
        _refused(
            "policy.invalid_amount",
            policies.policy_apply,
            actor=employer,
            enterprise_id=enterprise.pk,
            policy_id=policy.pk,
            amount_requested=bad,
        )
    assert (
        _refused(
            "liaison.not_assigned",
            policies.policy_apply,
            actor=liaison,
            enterprise_id=enterprise.pk,
            policy_id=policy.pk,
        ).status
        == 403
    )
    assert (
        _refused(
            "enterprise.not_found",
            policies.policy_apply,
            actor=other_county,
            enterprise_id=enterprise.pk,
            policy_id=policy.pk,
        ).status
        == 404
    )
    _refused(
        "permission_denied",
        policies.policy_apply,
        actor=official,
        enterprise_id=enterprise.pk,
        policy_id=policy.pk,
    )
    _refused(
        "policy.not_found",
        policies.policy_apply,
        actor=employer,
        enterprise_id=enterprise.pk,
        policy_id=10**9,
    )
    assert not PolicyApplication.objects.exists()
    application = policies.policy_apply(actor=employer, enterprise_id=enterprise.pk, policy_id=policy.pk)
    assert (
        _refused(
            "policy_application.not_found",
            policies.policy_decide,
            actor=other_county,
            application_id=application.pk,
            grant=True,
        ).status
        == 404
    )
    assert list(policies.policy_application_list(actor=other_county)) == []
