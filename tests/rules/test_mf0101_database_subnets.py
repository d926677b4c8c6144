"""MF0101: the database gets subnets of its own (spec 1.1 and 3.3).

The worked example for rule tests. The templates are files in tests/fixtures/mf0101/: the flawed
template (before.yaml, before.json) and exactly what the fix makes of it (after.yaml,
after.json), frozen once from the tool's output after reading it. The tests show where the rule
fires and with what fix; that the fix gives those bytes and nothing else; that a second pass finds
nothing and changes no byte; and where the rule stays silent.
"""

from __future__ import annotations

import pytest

from tests.helpers import codes, findings, fixture, removed_lines, run_fix

CODES = ["MF0101"]

FLAWED = fixture("mf0101/before.yaml")
FIXED = fixture("mf0101/after.yaml")
FLAWED_JSON = fixture("mf0101/before.json")  # another template, in JSON with 4-space indentation
FIXED_JSON = fixture("mf0101/after.json")


def test_fires_on_a_subnet_group_shared_with_the_ecs_service() -> None:
    (finding,) = findings(FLAWED, CODES)
    assert finding.resource == "Subnets"
    assert finding.path == ("Resources", "Subnets", "Properties", "SubnetIds")
    assert finding.line == 29
    assert "Service" in finding.message
    assert finding.fix is not None and not finding.fix.safe
    assert finding.fix.impact == "replacement"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # The spec's 10.0.21.0/24 is taken by AppSubnetA: the first free /24s of the VPC are used.
        pytest.param(FLAWED, FIXED, id="yaml"),
        # The spec's 10.0.21.0/24 and 10.0.22.0/24 are free: they are used. JSON stays JSON, with
        # the file's own indentation.
        pytest.param(FLAWED_JSON, FIXED_JSON, id="json"),
    ],
)
def test_fix_gives_the_expected_text_and_a_second_pass_changes_nothing(
    before: str, after: str
) -> None:
    first = run_fix(before, CODES)
    assert not first.rule_errors
    assert [(o.finding.code, o.status) for o in first.outcomes] == [("MF0101", "applied")]
    assert first.new_text == after

    assert findings(after, CODES) == []
    assert run_fix(after, CODES).new_text == after


@pytest.mark.parametrize(
    ("before", "after", "rewritten"),
    [
        pytest.param(
            FLAWED,
            FIXED,
            ["      SubnetIds: [!Ref AppSubnetA, !Ref AppSubnetB]  # shared with the service"],
            id="yaml",
        ),
        pytest.param(
            FLAWED_JSON,
            FIXED_JSON,
            ['                        "Ref": "A"', '                        "Ref": "B"'],
            id="json",
        ),
    ],
)
def test_fix_rewrites_only_the_subnet_group_and_adds_the_rest(
    before: str, after: str, rewritten: list[str]
) -> None:
    # Every other line of the template stays as it was, comments and layout included; the new
    # subnets, route table and associations are additions only.
    assert removed_lines(before, after) == rewritten


def test_silent_when_the_database_has_its_own_subnets() -> None:
    assert codes(FIXED, CODES) == []
    assert codes(FIXED_JSON, CODES) == []


def test_silent_without_a_database() -> None:
    text = FLAWED.split("  Subnets:\n")[0]
    assert codes(text, CODES) == []


# -- a publicly accessible database loses its reachability from outside the VPC ---------------

PUBLIC = fixture("mf0101/public-before.yaml")  # a database analysts reach over the internet
PUBLIC_FIXED = fixture("mf0101/public-after.yaml")


def test_a_publicly_accessible_database_is_moved_only_with_that_impact_stated() -> None:
    (finding,) = findings(PUBLIC, CODES)
    assert "Reporting is publicly accessible in PublicA, PublicB" in finding.message
    fix = finding.fix
    assert fix is not None and not fix.safe and fix.impact == "replacement"
    assert fix.impact_detail.startswith(
        "removes the database's reachability from outside the VPC: Reporting is publicly "
        "accessible in PublicA, PublicB, which route to an internet gateway"
    )
    first = run_fix(PUBLIC, CODES)
    assert first.new_text == PUBLIC_FIXED
    assert removed_lines(PUBLIC, PUBLIC_FIXED) == ["      SubnetIds: [!Ref PublicA, !Ref PublicB]"]
    assert run_fix(PUBLIC_FIXED, CODES).new_text == PUBLIC_FIXED
    assert findings(PUBLIC_FIXED, CODES) == []


def test_publicly_accessible_from_a_parameter_or_by_default_may_lose_it() -> None:
    from_param = PUBLIC.replace("PubliclyAccessible: true", "PubliclyAccessible: !Ref Public")
    (finding,) = findings(from_param, CODES)
    assert "Reporting (PubliclyAccessible from parameter Public) may be" in finding.message
    unset = PUBLIC.replace("      PubliclyAccessible: true\n", "")
    (finding,) = findings(unset, CODES)
    assert "may be publicly accessible" in finding.message
    assert finding.fix is not None and "reachability" in finding.fix.impact_detail


def test_no_reachability_to_lose_for_a_private_database() -> None:
    private = PUBLIC.replace("PubliclyAccessible: true", "PubliclyAccessible: false")
    (finding,) = findings(private, CODES)
    assert "publicly accessible" not in finding.message
    assert finding.fix is not None and "reachability" not in finding.fix.impact_detail
    # Publicly accessible, but in subnets shared with the service that have no route to an
    # internet gateway: nobody outside the VPC reaches it today, so nothing is lost.
    shared = FLAWED.replace(
        "      DBSubnetGroupName: !Ref Subnets\n",
        "      DBSubnetGroupName: !Ref Subnets\n      PubliclyAccessible: true\n",
    )
    assert "PubliclyAccessible: true" in shared
    (finding,) = findings(shared, CODES)
    assert finding.fix is not None and "reachability" not in finding.fix.impact_detail


def test_new_subnets_without_a_zone_to_copy_take_the_regions_next_zones() -> None:
    """A DB subnet group needs two Availability Zones: app subnets that name none give the new
    subnets nothing to copy, so each takes the Region's next zone; a zone given as
    Fn::GetAZs null (which cfn-lint rejects) is copied as the documented ''."""
    import json

    from fixers.document import Document

    template = json.loads(FLAWED_JSON)
    subnets = [r for r in template["Resources"].values() if r["Type"] == "AWS::EC2::Subnet"]
    assert len(subnets) == 2
    del subnets[0]["Properties"]["AvailabilityZone"]
    subnets[1]["Properties"]["AvailabilityZone"] = {"Fn::Select": [1, {"Fn::GetAZs": None}]}
    fixed = run_fix(json.dumps(template, indent=4) + "\n", CODES)
    assert [o.status for o in fixed.outcomes] == ["applied"]
    resources = Document.from_text(fixed.new_text).data["Resources"]
    zones = [
        resources[lid]["Properties"]["AvailabilityZone"]
        for lid in sorted(resources)
        if lid.startswith("DatabaseSubnet") and resources[lid]["Type"] == "AWS::EC2::Subnet"
    ]
    assert zones == [
        {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
        {"Fn::Select": [1, {"Fn::GetAZs": ""}]},
    ]
