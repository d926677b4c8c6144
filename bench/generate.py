"""Generate large, realistic CloudFormation templates for the benchmark, deterministically.

The template is built from *units*: each unit is the transaction-platform architecture of
``sample_templates/transaction-platform.yaml`` trimmed to exactly 50 resources (two AZs, one
NAT gateway, no blue/green target group, no Aurora reader, no KMS alias, no SNS email
subscription, no cross-account backup role), so every rule that fires on the sample fires on
every unit. Unit 0 keeps the sample's logical IDs; unit k > 0 suffixes every logical ID (and
every reference to it: ``!Ref``, ``!GetAtt``, ``${X}`` in ``!Sub``, ``DependsOn``) with
``U<k>``. Units are fattened the way real large templates are fat: comments above every
resource, a full set of cost-allocation tags, an extra least-privilege IAM policy per role, a
longer inline Lambda, more container environment variables. The text keeps the sample's
comments, short-form tags (``!Ref``, ``!Sub``, ``!GetAtt``, ``!If``, ``!Equals``), block
scalars and flow sequences.

``generate(500)`` is ten units, 500 resources and about 0.95 MB (CloudFormation's limits:
500 resources, 1 MB body from S3); ``generate(50)`` is one unit with the same mix, so
``time(500) / time(50)`` measures linearity, not a change of content.

Run as a script to write files: ``python bench/generate.py OUT_DIR [N ...]``.
Nothing it writes is meant to be committed; ``bench/run.py`` writes into a temp folder.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_templates" / "transaction-platform.yaml"
UNIT_SIZE = 50

# Resources of the sample left out of a unit (67 - 17 = 50).
DROP = {
    # the third availability zone
    "PublicSubnet3",
    "PrivateSubnet3",
    "NatGateway3EIP",
    "NatGateway3",
    "PublicSubnet3RouteTableAssociation",
    "PrivateRouteTable3",
    "DefaultPrivateRoute3",
    "PrivateSubnet3RouteTableAssociation",
    # one NAT gateway for both private subnets
    "NatGateway2EIP",
    "NatGateway2",
    "PrivateRouteTable2",
    "DefaultPrivateRoute2",
    # extras nothing refers to
    "ALBTargetGroupBlueGreen",
    "AuroraReplicaInstance",
    "CloudWatchLogsKMSKeyAlias",
    "AlarmEmailSubscription",
    "BackupReplicationRole",
}
REPOINT = {"PrivateRouteTable2": "PrivateRouteTable1"}

TEAMS = ["payments", "ledger", "settlement", "risk", "platform", "fraud", "treasury", "reporting"]
CLASSES = ["confidential", "internal", "restricted", "public"]

_RESOURCE_LINE = re.compile(r"^  ([A-Za-z0-9]+):\s*$")


def _split(text: str) -> tuple[str, list[tuple[str, list[str]]], list[tuple[str, list[str]]]]:
    """Header text, resource blocks and output blocks of the sample, each block (id, lines)."""
    lines = text.splitlines(keepends=True)
    r = next(i for i, line in enumerate(lines) if line.startswith("Resources:"))
    o = next(i for i, line in enumerate(lines) if line.startswith("Outputs:"))
    header = "".join(lines[:r])

    def blocks(body: list[str]) -> list[tuple[str, list[str]]]:
        out: list[tuple[str, list[str]]] = []
        pending: list[str] = []  # comments and blanks before the next block
        for line in body:
            m = _RESOURCE_LINE.match(line)
            if m:
                out.append((m.group(1), pending + [line]))
                pending = []
            elif out and (
                line.startswith("    ") or (line.strip() and not line.lstrip().startswith("#"))
            ):
                out[-1][1].extend(pending + [line])
                pending = []
            else:
                pending.append(line)
        if out:
            out[-1][1].extend(pending)
        return out

    return header, blocks(lines[r + 1 : o]), blocks(lines[o + 1 :])


def _fatten(rid: str, block: list[str], unit: int) -> list[str]:
    team = TEAMS[(unit + len(rid)) % len(TEAMS)]
    out: list[str] = []
    rtype = next((ln.split(":", 1)[1].strip() for ln in block if ln.startswith("    Type:")), "")
    i = 0
    while i < len(block):
        line = block[i]
        out.append(line)
        if _RESOURCE_LINE.match(line):
            # A comment above every resource, as in hand-maintained large templates.
            out[-1:] = [
                f"  # {rid} ({rtype}) - owned by the {team} team, change ticket MER-{1000 + unit * 97 + len(rid) * 13}.\n",
                "  # Reviewed for production readiness; see the runbook for rollback steps\n",
                "  # before changing anything that replaces or interrupts this resource.\n",
                f"  # Last change: unit {unit:02d} rollout, approved by the {team} change advisory board;\n",
                "  # drift is checked nightly and alarms page the owning team's on-call rotation.\n",
                "  # Do not edit by hand in the console: the pipeline reverts manual changes.\n",
                line,
            ]
        stripped = line.strip()
        nxt = block[i + 1] if i + 1 < len(block) else ""
        if stripped == "Tags:" and nxt.lstrip().startswith("- Key:"):
            ind = " " * (len(nxt) - len(nxt.lstrip()))
            for key, value in (
                ("CostCenter", f"cc-{4100 + unit}"),
                ("Owner", f"{team}-oncall@example.com"),
                ("Team", team),
                ("Application", "meridian-transaction-platform"),
                ("DataClassification", CLASSES[(unit + len(rid)) % len(CLASSES)]),
                ("Compliance", "pci-dss"),
                ("BackupPolicy", "daily-35d"),
                ("ManagedBy", "cloudformation"),
                ("Repository", "git@example.com:meridian/platform-infra.git"),
                ("Unit", f"unit-{unit:02d}"),
                ("Project", "meridian"),
                ("Tier", "production-critical"),
                ("SupportLevel", "24x7"),
                ("RunbookUrl", f"https://runbooks.example.com/meridian/{team}"),
                ("Region", "primary"),
            ):
                out.append(f"{ind}- Key: {key}\n{ind}  Value: {value}\n")
            out.append(f"{ind}- Key: Stack\n{ind}  Value: !Sub '${{AWS::StackName}}-{rid}'\n")
        elif stripped == "Policies:" and nxt.lstrip().startswith("- PolicyName:"):
            ind = " " * (len(nxt) - len(nxt.lstrip()))
            out.append(
                f"{ind}- PolicyName: {rid}Observability\n"
                f"{ind}  PolicyDocument:\n"
                f"{ind}    Version: '2012-10-17'\n"
                f"{ind}    Statement:\n"
                f"{ind}      # Write its own logs and metrics, nothing else.\n"
                f"{ind}      - Effect: Allow\n"
                f"{ind}        Action:\n"
                f"{ind}          - logs:CreateLogStream\n"
                f"{ind}          - logs:PutLogEvents\n"
                f"{ind}          - logs:DescribeLogStreams\n"
                f"{ind}        Resource: !Sub 'arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:/meridian/{team}/*'\n"
                f"{ind}      - Effect: Allow\n"
                f"{ind}        Action: cloudwatch:PutMetricData\n"
                f"{ind}        Resource: '*'\n"
                f"{ind}        Condition:\n"
                f"{ind}          StringEquals:\n"
                f"{ind}            cloudwatch:namespace: Meridian/{team.title()}\n"
                f"{ind}      - Effect: Allow\n"
                f"{ind}        Action:\n"
                f"{ind}          - xray:PutTraceSegments\n"
                f"{ind}          - xray:PutTelemetryRecords\n"
                f"{ind}          - xray:GetSamplingRules\n"
                f"{ind}          - xray:GetSamplingTargets\n"
                f"{ind}        Resource: '*'\n"
                f"{ind}      - Effect: Allow\n"
                f"{ind}        Action:\n"
                f"{ind}          - ssm:GetParameter\n"
                f"{ind}          - ssm:GetParameters\n"
                f"{ind}          - ssm:GetParametersByPath\n"
                f"{ind}        Resource:\n"
                f"{ind}          - !Sub 'arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter/meridian/${{Environment}}/{team}'\n"
                f"{ind}          - !Sub 'arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter/meridian/${{Environment}}/{team}/*'\n"
            )
        elif stripped == "ZipFile: |":
            ind = " " * (len(nxt) - len(nxt.lstrip()))
            j = i + 1
            while j < len(block) and (block[j].startswith(ind) or not block[j].strip()):
                out.append(block[j])
                j += 1
            for step in ("create_secret", "set_secret", "test_secret", "finish_secret"):
                out.append(
                    f"\n\n{ind}def {step}(client, arn, token):\n"
                    f"{ind}    # Step '{step}' of the four-step rotation protocol.\n"
                    f"{ind}    metadata = client.describe_secret(SecretId=arn)\n"
                    f"{ind}    stages = metadata.get('VersionIdsToStages', {{}})\n"
                    f"{ind}    if token not in stages:\n"
                    f"{ind}        raise ValueError('version %s of %s is not staged' % (token, arn))\n"
                    f"{ind}    print(json.dumps({{'step': '{step}', 'secret': arn, 'token': token}}))\n"
                )
            out.append("\n")
            i = j
            continue
        elif stripped == "Environment:" and nxt.lstrip().startswith("- Name:"):
            ind = " " * (len(nxt) - len(nxt.lstrip()))
            for k in range(12):
                out.append(
                    f"{ind}- Name: FEATURE_{team.upper()}_{k:02d}\n{ind}  Value: '{'true' if (unit + k) % 3 else 'false'}'\n"
                )
        i += 1
    return out


def _rename(text: str, ids: list[str], suffix: str) -> str:
    if not suffix:
        return text
    alt = "|".join(sorted(map(re.escape, ids), key=len, reverse=True))
    # Declarations (two-space keys), then references: not after "::" (resource types such as
    # AWS::EC2::VPC), not inside a longer name, not a property key (BackupPlan: of a BackupPlan).
    text = re.sub(r"(?m)^  (" + alt + r"):", lambda m: f"  {m.group(1)}{suffix}:", text)
    pattern = re.compile(r"(?<![:\w])(" + alt + r")\b(?!:)")
    text = pattern.sub(lambda m: m.group(1) + suffix, text)
    # Physical names (cluster, log group, vault...) must be unique across the template too.
    return text.replace("meridian-", f"meridian{suffix.lower()}-")


def generate(n_resources: int) -> str:
    """A template of ``n_resources`` resources (a multiple of 50, at most 500)."""
    if n_resources % UNIT_SIZE or not 0 < n_resources <= 500:
        raise ValueError("n_resources must be a multiple of 50 between 50 and 500")
    header, res_blocks, out_blocks = _split(SAMPLE.read_text(encoding="utf-8"))
    drop_line = re.compile(r"^\s*- !Ref (" + "|".join(sorted(DROP)) + r")\s*$")
    unit_blocks = []
    for rid, block in res_blocks:
        if rid in DROP:
            continue
        lines = [ln for ln in block if not drop_line.match(ln)]
        text = "".join(lines)
        for old, new in REPOINT.items():
            text = re.sub(rf"\b{old}\b", new, text)
        unit_blocks.append((rid, text.splitlines(keepends=True)))
    assert len(unit_blocks) == UNIT_SIZE, len(unit_blocks)
    ids = [rid for rid, _ in unit_blocks] + [oid for oid, _ in out_blocks]

    parts = [
        header.replace(
            "# Meridian Financial - Transaction Processing Platform",
            f"# Meridian Financial - Transaction Processing Platform ({n_resources} resources, generated by bench/generate.py)",
            1,
        ),
        "Resources:\n",
    ]
    units = n_resources // UNIT_SIZE
    for u in range(units):
        suffix = f"U{u:02d}" if u else ""
        parts.append(
            "  # ===========================================================================\n"
            f"  # Unit {u:02d}: the transaction platform for the {TEAMS[u % len(TEAMS)]} line of business\n"
            "  # ===========================================================================\n"
            + "".join(
                f"  # {2024 + k // 12}-{k % 12 + 1:02d}: release {u}.{k} of the {TEAMS[(u + k) % len(TEAMS)]} stack, reviewed and approved.\n"
                for k in range(36)
            )
        )
        body = "".join("".join(_fatten(rid, block, u)) for rid, block in unit_blocks)
        parts.append(_rename(body, ids, suffix))
    parts.append("\nOutputs:\n")
    for u in range(units):
        suffix = f"U{u:02d}" if u else ""
        parts.append(_rename("".join("".join(b) for _, b in out_blocks), ids, suffix))
    text = "".join(parts)
    return text if text.endswith("\n") else text + "\n"


def write(out_dir: str | Path, n_resources: int) -> Path:
    path = Path(out_dir) / f"generated-{n_resources}.yaml"
    path.write_text(generate(n_resources), encoding="utf-8")
    return path


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python bench/generate.py OUT_DIR [N ...]")
    for n in [int(a) for a in sys.argv[2:]] or [50, 500]:
        p = write(sys.argv[1], n)
        print(f"{p}: {p.stat().st_size} bytes")
