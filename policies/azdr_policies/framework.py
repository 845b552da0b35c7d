"""The rule framework: metadata, config and exemptions, fail-closed evaluation, and the
translation of a `Rule` into a pulumi-policy `ResourceValidationPolicy`/`StackValidationPolicy`.

A rule's `check` is a plain function:

* resource rule: `check(args: ResourceValidationArgs, cfg: RuleConfig) -> Iterable[str]`
  yields one message per failing branch (about `args`' resource);
* stack rule: `check(args: StackValidationArgs, cfg: RuleConfig) -> Iterable[Finding]`
  yields findings that name the offending `PolicyResource` (or none, for a stack-wide finding).

The framework prefixes every message with `[<rule id>] `, applies exemptions, and turns an
unknown (preview) value into what the rule declares (`skip`, `advisory`, `fail`). Any other
exception is recorded and reported by the MANDATORY guard policies (`AZDR-SYS-001/002`, always
last in the pack) as "rule <id> (<name>) failed to evaluate: ...": never a silent pass.
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from .props import ShapeError, canonical_type

PACK_NAME = "azure-iaas-dr-posture"
FRAMEWORK_NAME = "azure-iaas-dr"
FRAMEWORK_VERSION = "1"

SEED_DOCUMENT = "Backup and disaster recovery for Azure IaaS disks"
"""Title of the source document (`/work/shared/seed/azure-iaas-disks-backup-and-dr.txt`)."""

SEED_SECTIONS = (
    "Azure IaaS resiliency",
    "Backup and disaster recovery",
    "Backup and DR scenarios",
    "Disaster recovery solution: Azure Backup",
    "Using Azure Backup",
    "Azure Backup flow",
    "Steps to enable a backup",
    "Steps for recovery",
    "Alternative solution: Consistent snapshots",
    "Copy the snapshots to another region",
    "Recovery from snapshots",
    "Other considerations",
    "Appendix: Understanding the impact of data redundancy",
)
"""Section headings of the seed document; every rule's `seed_section` is one of them."""

UnknownMode = Literal["skip", "advisory", "fail"]
UNKNOWN_MODES: dict[str, str] = {
    "skip": "the rule does not judge the value and reports nothing",
    "advisory": "the SDK reports an ADVISORY \"can't run policy ... during preview\" diagnostic",
    "fail": "the rule reports a violation at its enforcement level: the value must be known",
}

TODAY_ENV = "AZDR_POLICY_TODAY"
"""Set to YYYY-MM-DD to pin "today" for exemption expiry (tests, reproducible CI runs)."""

_today_override: _dt.date | None = None


def today() -> _dt.date:
    if _today_override is not None:
        return _today_override
    pinned = os.environ.get(TODAY_ENV)
    if pinned:
        try:
            return _dt.date.fromisoformat(pinned)
        except ValueError as exc:
            raise PolicyConfigError(f"environment variable {TODAY_ENV}={pinned!r} is not a YYYY-MM-DD date") from exc
    return _dt.date.today()


def set_today(value: _dt.date | None) -> None:
    """Pin (or, with None, unpin) the date exemption expiry is compared against."""
    global _today_override
    _today_override = value


class PolicyConfigError(Exception):
    """Bad pack configuration for one rule; reported through the fail-closed guard."""


# --------------------------------------------------------------------------------------------
# Metadata
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigKey:
    """One threshold in a rule's config schema (JSON Schema fragment with a default)."""

    name: str
    type: Literal["integer", "boolean", "number", "string"]
    default: Any
    description: str
    minimum: float | None = None
    maximum: float | None = None
    enum: tuple[str, ...] | None = None

    def schema(self) -> dict[str, Any]:
        s: dict[str, Any] = {"type": self.type, "default": self.default, "description": self.description}
        if self.minimum is not None:
            s["minimum"] = self.minimum
        if self.maximum is not None:
            s["maximum"] = self.maximum
        if self.enum is not None:
            s["enum"] = list(self.enum)
        return s

    def allowed(self) -> str:
        if self.enum:
            return "one of " + ", ".join(repr(e) for e in self.enum)
        if self.type == "boolean":
            return "true or false"
        kind = "an integer" if self.type == "integer" else ("a number" if self.type == "number" else "a string")
        bounds = []
        if self.minimum is not None:
            bounds.append(f">= {_num(self.minimum)}")
        if self.maximum is not None:
            bounds.append(f"<= {_num(self.maximum)}")
        return kind + (" " + " and ".join(bounds) if bounds else "")

    def coerce(self, rule_name: str, raw: Any) -> Any:
        shown = _num(raw) if isinstance(raw, float) and raw.is_integer() else repr(raw)
        bad = PolicyConfigError(
            f"invalid policy pack config {rule_name}.{self.name}: {shown} is not allowed; expected {self.allowed()}"
        )
        if self.type == "boolean":
            if not isinstance(raw, bool):
                raise bad
            return raw
        if self.type == "string":
            if not isinstance(raw, str) or (self.enum and raw not in self.enum):
                raise bad
            return raw
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise bad
        if self.type == "integer":
            if isinstance(raw, float):
                if not raw.is_integer():
                    raise bad
                raw = int(raw)
        value: int | float = raw
        if self.minimum is not None and value < self.minimum:
            raise bad
        if self.maximum is not None and value > self.maximum:
            raise bad
        return value


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


EXEMPTIONS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "default": [],
    "description": (
        "Resources this rule does not report. Each entry: resource (a resource name or URN, "
        "glob patterns * ? [] allowed), reason, expires (YYYY-MM-DD; from the next day on the "
        "exemption stops applying and the violation says it expired)."
    ),
    "items": {
        "type": "object",
        "properties": {
            "resource": {"type": "string", "minLength": 1},
            "reason": {"type": "string", "minLength": 1},
            "expires": {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
        },
        "required": ["resource", "reason", "expires"],
        "additionalProperties": False,
    },
}


@dataclass(frozen=True)
class Exemption:
    resource: str
    reason: str
    expires: _dt.date

    def matches(self, name: str | None, urn: str | None) -> bool:
        for target in (name, urn):
            if target and (target == self.resource or fnmatch.fnmatchcase(target, self.resource)):
                return True
        return False


EXEMPTION_HORIZON_DAYS = 366
"""An exemption may expire at most this many days after today: a "9999-12-31" exemption is a rule switched
off, not an exemption."""


def _matches_everything(pattern: str) -> bool:
    return pattern.strip("*?") == "" or pattern.strip() in ("urn:pulumi:*",)


def parse_exemptions(rule_name: str, raw: Any, *, critical: bool = False) -> tuple[Exemption, ...]:
    where = f"policy pack config {rule_name}.exemptions"
    if raw is None:
        return ()
    if not isinstance(raw, (list, tuple)):
        raise PolicyConfigError(f"invalid {where}: expected a list of {{resource, reason, expires}}, got {raw!r}")
    out = []
    for i, entry in enumerate(raw):
        at = f"{where}[{i}]"
        if not isinstance(entry, Mapping):
            raise PolicyConfigError(f"invalid {at}: expected an object {{resource, reason, expires}}, got {entry!r}")
        extra = sorted(set(entry) - {"resource", "reason", "expires"})
        if extra:
            raise PolicyConfigError(f"invalid {at}: unknown key(s) {', '.join(extra)}; allowed: resource, reason, expires")
        for key in ("resource", "reason", "expires"):
            if not isinstance(entry.get(key), str) or not entry.get(key).strip():
                raise PolicyConfigError(f"invalid {at}.{key}: a non-empty string is required")
        try:
            expires = _dt.date.fromisoformat(entry["expires"])
            if len(entry["expires"]) != 10:
                raise ValueError
        except ValueError:
            raise PolicyConfigError(
                f"invalid {at}.expires: {entry['expires']!r} is not a YYYY-MM-DD date"
            ) from None
        if critical and _matches_everything(entry["resource"]):
            raise PolicyConfigError(
                f"invalid {at}.resource: {entry['resource']!r} exempts every resource from a critical rule; name "
                "the resources (a name, URN or a pattern with a fixed part such as 'rsv-sandbox-*')"
            )
        horizon = today() + _dt.timedelta(days=EXEMPTION_HORIZON_DAYS)
        if expires > horizon:
            raise PolicyConfigError(
                f"invalid {at}.expires: {entry['expires']} is more than {EXEMPTION_HORIZON_DAYS} days away "
                f"(latest allowed today: {horizon.isoformat()}); renew an exemption instead of making it permanent"
            )
        out.append(Exemption(entry["resource"], entry["reason"], expires))
    return tuple(out)


@dataclass(frozen=True)
class RuleConfig:
    """A rule's effective configuration: thresholds (defaults applied, coerced) and exemptions."""

    values: Mapping[str, Any]
    exemptions: tuple[Exemption, ...] = ()

    def __getitem__(self, key: str) -> Any:
        return self.values[key]


@dataclass(frozen=True)
class Finding:
    """A stack rule's finding: the message and the resource it is about (None: the stack)."""

    message: str
    resource: PolicyResource | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    """Stable id, never reused: AZDR-<FAMILY>-<NNN>."""
    name: str
    """Kebab-case CrossGuard policy name (the key in --policy-pack-config)."""
    title: str
    """One sentence; the CrossGuard `description` shown with every violation."""
    severity: Severity
    enforcement: EnforcementLevel
    kind: Literal["resource", "stack", "change"]
    resource_types: tuple[str, ...]
    """Types judged (resource rules apply only to these; "*" = every type) or joined (stack and change
    rules). A `change` rule judges a change model (prior state vs new state, `azdr_policies.changes`);
    it is no CrossGuard policy (a pack sees only the new inputs) and its `policy` is None."""
    seed_section: str
    rationale: str
    remediation: str
    """Prose fix, followed by `snippet` in the docs and in `remediation_steps`."""
    snippet: str
    """A short Pulumi Python snippet (azure-native) that complies."""
    links: tuple[str, ...]
    unknown: UnknownMode
    unknown_note: str
    """What exactly is unknown-sensitive and why the mode was chosen."""
    missing: str
    """What an absent property means (the Azure default) and how the rule treats it."""
    check: Callable[..., Iterable[Any]]
    config: tuple[ConfigKey, ...] = ()
    tags: tuple[str, ...] = ()
    applies: Callable[[ResourceValidationArgs], bool] | None = None
    """Optional extra filter for resource rules (e.g. only AzureIaasVM policies)."""
    exemptible: bool = True
    policy: Policy | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "policy", None if self.kind == "change" else _build_policy(self))
        KNOWN_TYPES.update(t for t in self.resource_types if t != "*")

    # -- config -------------------------------------------------------------------------------
    def config_schema(self) -> PolicyConfigSchema | None:
        props = {k.name: k.schema() for k in self.config}
        if self.exemptible:
            props["exemptions"] = dict(EXEMPTIONS_SCHEMA)
        return PolicyConfigSchema(properties=props) if props else None

    def parse_config(self, raw: Mapping[str, Any] | None) -> RuleConfig:
        raw = raw or {}
        allowed = {k.name for k in self.config} | ({"exemptions"} if self.exemptible else set())
        unknown = sorted(k for k in raw if k not in allowed)
        if unknown:  # a misspelt threshold would silently leave the default in force
            raise PolicyConfigError(
                f"invalid policy pack config {self.name}: unknown key(s) {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(sorted(allowed)) or 'none (only the enforcement level)'}"
            )
        values = {}
        for key in self.config:
            values[key.name] = key.coerce(self.name, raw[key.name]) if key.name in raw else key.default
        exemptions = (parse_exemptions(self.name, raw.get("exemptions"), critical=self.severity == Severity.CRITICAL)
                      if self.exemptible else ())
        return RuleConfig(values, exemptions)

    def remediation_steps(self) -> str:
        return f"{self.remediation}\n\n```python\n{self.snippet.strip()}\n```"


# --------------------------------------------------------------------------------------------
# Fail-closed bookkeeping. The servicer evaluates every policy of one Analyze/AnalyzeStack
# request in one worker thread, in pack order; the guards are last.
# --------------------------------------------------------------------------------------------

_STACK_KEY = "<stack>"
_state = threading.local()


def _begin(key: str) -> None:
    if getattr(_state, "key", None) != key:
        _state.key = key
        _state.failures = []
        _state.exempted = []


def take_exempted(key: str) -> list[tuple[str, str | None]]:
    """Findings an active exemption suppressed (in this thread) for `key`: (text, resource urn), cleared."""
    if getattr(_state, "key", None) != key:
        return []
    found = list(getattr(_state, "exempted", []))
    _state.exempted = []
    return found


def _failure_detail(exc: BaseException) -> str:
    """What the guard prints: our own messages (config errors, shape errors: they name keys and types,
    never property values), else the exception type and where it was raised, never its text (it may
    hold a property value, and property values may be secrets)."""
    if isinstance(exc, PolicyConfigError):
        return str(exc)
    if isinstance(exc, ShapeError):
        return f"a property is present but unreadable: {exc}; it is not treated as absent"
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "site-packages" not in f.filename] or frames  # the rule's line, not the SDK's
    where = f" at {os.path.basename(ours[-1].filename)}:{ours[-1].lineno}" if ours else ""
    return f"{type(exc).__name__}{where} (message withheld: it may contain property values)"


def _record_failure(rule: Rule, key: str, exc: BaseException) -> None:
    _begin(key)
    _state.failures.append(f"rule {rule.id} ({rule.name}) failed to evaluate: {_failure_detail(exc)}")


def take_failures(key: str) -> list[str]:
    """Failures recorded (in this thread) for the resource URN `key` (or the stack), cleared."""
    if getattr(_state, "key", None) != key:
        return []
    failures = list(_state.failures)
    _state.failures = []
    return failures


def stack_failure_key() -> str:
    return _STACK_KEY


# --------------------------------------------------------------------------------------------
# Reporting with exemptions
# --------------------------------------------------------------------------------------------


def exempted_text(rule: Rule, cfg: RuleConfig, message: str, name: str | None, urn: str | None,
                  report_urn: str | None = None, suppressed: list[tuple[str, str | None]] | None = None,
                  ) -> str | None:
    """The reported text `[<rule id>] <message>`, or None when an exemption that still applies covers
    the resource; an expired exemption is named at the end. Shared by CrossGuard and change rules.

    A suppressed finding is appended to `suppressed`; without it (CrossGuard rules, inside the servicer's
    bookkeeping that _begin set up in this thread) to this thread's record that AZDR-SYS-003/004 report.
    Change rules run outside that bookkeeping (no Analyze request, maybe another thread), so they pass a list."""
    text = f"[{rule.id}] {message}"
    for ex in cfg.exemptions:
        if ex.matches(name, urn):
            if today() <= ex.expires:  # suppressed, never hidden: AZDR-SYS-003/004 report it as advisory
                (suppressed if suppressed is not None else _state.exempted).append((
                    f"{text} (suppressed by the exemption for '{ex.resource}' until {ex.expires.isoformat()}: "
                    f"{ex.reason})", report_urn if report_urn is not None else urn))
                return None
            text += f" (exemption for '{ex.resource}' expired on {ex.expires.isoformat()}: {ex.reason})"
            break
    return text


def _emit(
    rule: Rule, cfg: RuleConfig, report: ReportViolation, message: str, name: str | None, urn: str | None,
    report_urn: str | None,
) -> None:
    text = exempted_text(rule, cfg, message, name, urn, report_urn)
    if text is not None:
        report(text, report_urn)


def _not_applicable_type() -> type[BaseException]:
    """The exception class that the SDK's public `args.not_applicable()` raises (and that its servicer turns
    into a `PolicyNotApplicable` entry). Learned by calling the public method once, so the framework neither
    imports nor matches the SDK's private class by name; the fail-closed handlers let it through unchanged."""
    try:
        StackValidationArgs([], None).not_applicable()
    except Exception as exc:  # noqa: BLE001 - whatever the SDK raises is what we let through
        return type(exc)
    raise RuntimeError("pulumi_policy: StackValidationArgs.not_applicable() returned instead of raising")


NOT_APPLICABLE: type[BaseException] = _not_applicable_type()


def _unknown_message(exc: UnknownValueError) -> str:
    return f"{exc.message}; this rule fails closed until the value is known"


def _resource_validate(rule: Rule) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    any_type = "*" in rule.resource_types
    types = frozenset(rule.resource_types)

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        args.resource_type = canonical_type(args.resource_type)  # `.../v20240401:Vault` is a Vault
        if not any_type and args.resource_type not in types:
            return
        _begin(args.urn)
        try:
            cfg = rule.parse_config(args.get_config())
            if rule.applies is not None and not rule.applies(args):
                return
            try:
                for message in rule.check(args, cfg):
                    _emit(rule, cfg, report, message, args.name, args.urn, None)
            except UnknownValueError as exc:
                if rule.unknown == "advisory":
                    raise
                if rule.unknown == "fail":
                    _emit(rule, cfg, report, _unknown_message(exc), args.name, args.urn, None)
        except UnknownValueError:
            if rule.unknown == "advisory":
                raise
            # An unknown hit by `applies` itself: skip/fail rules cannot tell if they apply.
        except NOT_APPLICABLE:
            raise  # the rule called args.not_applicable(): the SDK reports it, not a failure
        except Exception as exc:  # noqa: BLE001 - fail closed, reported by the guard
            _record_failure(rule, args.urn, exc)

    return validate


def prepare_stack_resource(res: PolicyResource) -> None:
    """What every stack rule needs of a resource before it reads it: its canonical type (`.../v20240401:Vault`
    is a Vault). Written only when it changes: `sdk_speedups` calls this once per request on the resources the
    stack rules share, which are read-only afterwards."""
    canonical = canonical_type(res.resource_type)
    if canonical != res.resource_type:
        res.resource_type = canonical


def _stack_validate(rule: Rule) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        _begin(_STACK_KEY)
        for res in args.resources:  # parents and dependencies are these same objects
            prepare_stack_resource(res)
        try:
            cfg = rule.parse_config(args.get_config())
            try:
                for finding in rule.check(args, cfg):
                    res = finding.resource
                    _emit(rule, cfg, report, finding.message, res.name if res else None,
                          res.urn if res else None, res.urn if res else None)
            except UnknownValueError as exc:
                if rule.unknown == "advisory":
                    raise
                if rule.unknown == "fail":
                    _emit(rule, cfg, report, _unknown_message(exc), None, None, None)
        except UnknownValueError:
            raise
        except NOT_APPLICABLE:
            raise  # the rule called args.not_applicable(): the SDK reports it, not a failure
        except Exception as exc:  # noqa: BLE001 - fail closed, reported by the guard
            _record_failure(rule, _STACK_KEY, exc)

    return validate


def _build_policy(rule: Rule) -> Policy:
    common: dict[str, Any] = dict(
        name=rule.name,
        description=rule.title,
        enforcement_level=rule.enforcement,
        config_schema=rule.config_schema(),
        severity=rule.severity,
        framework=PolicyComplianceFramework(
            name=FRAMEWORK_NAME,
            version=FRAMEWORK_VERSION,
            reference=rule.id,
            specification=f"{SEED_DOCUMENT}: {rule.seed_section}",
        ),
        tags=[rule.id, *rule.tags],
        remediation_steps=rule.remediation_steps(),
        url=rule.links[0] if rule.links else None,
    )
    if rule.kind == "resource":
        return ResourceValidationPolicy(validate=_resource_validate(rule), **common)
    return StackValidationPolicy(validate=_stack_validate(rule), **common)


# --------------------------------------------------------------------------------------------
# The two fail-closed guards (always last in POLICIES)
# --------------------------------------------------------------------------------------------


KNOWN_TYPES: set[str] = set()
"""Every type some rule judges or joins (filled as rules are built)."""

JUDGED_MODULES = ("azure-native:compute:", "azure-native:recoveryservices:")
"""Modules whose every resource may carry DR posture: a type of theirs no rule knows is reported."""

ACKNOWLEDGED_TYPES = frozenset({
    # compute/recoveryservices types the pack knows and deliberately does not judge: they hold no copy of
    # data and no redundancy setting of their own (images and restore points are judged through the
    # GalleryImageVersion / Snapshot / VM rules and the program's own checks).
    "azure-native:compute:Gallery",
    "azure-native:compute:GalleryImage",
    "azure-native:compute:RestorePointCollection",
    "azure-native:compute:RestorePoint",
    "azure-native:compute:VirtualMachineExtension",
    "azure-native:compute:ProximityPlacementGroup",
    "azure-native:compute:SshPublicKey",
    "azure-native:compute:DiskEncryptionSet",
    "azure-native:compute:DiskAccess",
    # Site Recovery plumbing (issue 14): a fabric is a region's container, a recovery plan orders failover; the
    # replication itself (policy, mappings, protected items, network mappings) is judged by AZDR-ASR-*.
    "azure-native:recoveryservices:ReplicationFabric",
    "azure-native:recoveryservices:ReplicationRecoveryPlan",
})


def unjudged_type(resource_type: str) -> bool:
    """A compute/recoveryservices type that no rule knows (after dropping an API version)."""
    t = canonical_type(resource_type)
    return t.startswith(JUDGED_MODULES) and t not in KNOWN_TYPES and t not in ACKNOWLEDGED_TYPES


def _guard_resource_check(args: ResourceValidationArgs, _cfg: RuleConfig) -> Iterable[str]:
    yield from take_failures(args.urn)
    if unjudged_type(args.resource_type):
        yield (f"resource type {args.resource_type} is in a module this pack judges "
               f"({', '.join(m.rstrip(':') for m in JUDGED_MODULES)}) but no rule knows it: its DR posture is "
               "not verified; report it so a rule (or an acknowledgement) is added")


def _guard_stack_check(_args: StackValidationArgs, _cfg: RuleConfig) -> Iterable[Finding]:
    for failure in take_failures(_STACK_KEY):
        yield Finding(failure)


_GUARD_COMMON: dict[str, Any] = dict(
    severity=Severity.CRITICAL,
    enforcement=EnforcementLevel.MANDATORY,
    seed_section="Backup and disaster recovery",
    rationale=(
        "The seed's 'Backup and disaster recovery' section asks for backups that survive a regional "
        "disaster; a posture gate that silently passes when one of its rules crashes gives false "
        "assurance. Any rule error (bad pack config, an unexpected property shape, a bug) is reported "
        "here as a mandatory violation naming the rule, so the preview fails closed."
    ),
    remediation=(
        "Read the named rule and the error: fix the pack config value it names, or report the bug with "
        "the resource's inputs. Disabling this guard turns fail-closed off for the whole pack."
    ),
    snippet=(
        "# Pulumi.<stack>.yaml is not involved; fix the policy pack config file, e.g.\n"
        '# {"backup-policy-retention": {"minimumDailyRetentionDays": 30}}\n'
        "import pulumi  # no program change needed"
    ),
    links=("https://www.pulumi.com/docs/iac/using-pulumi/crossguard/configuration/",),
    unknown="skip",
    unknown_note="The guard reads no resource property.",
    missing="Not applicable: the guard reads no resource property.",
    exemptible=False,
    tags=("fail-closed",),
)


def _exempted_resource_check(args: ResourceValidationArgs, _cfg: RuleConfig) -> Iterable[str]:
    for text, _urn in take_exempted(args.urn):
        yield text


def _exempted_stack_check(args: StackValidationArgs, _cfg: RuleConfig) -> Iterable[Finding]:
    by_urn = {r.urn: r for r in args.resources}
    for text, urn in take_exempted(_STACK_KEY):
        yield Finding(text, by_urn.get(urn) if urn else None)


_EXEMPTED_COMMON: dict[str, Any] = {
    **_GUARD_COMMON,
    "severity": Severity.LOW,
    "enforcement": EnforcementLevel.ADVISORY,
    "rationale": (
        "The seed's 'Backup and disaster recovery' section asks for backups that survive a regional disaster; "
        "an exemption accepts a known gap for a while, and a gap that no output shows is forgotten. Every "
        "finding an active exemption suppresses is reported here, as advisory, with the exemption's pattern, "
        "reason and expiry, so every format (text, JSON, Markdown, SARIF) still shows it."
    ),
    "remediation": "Fix the resource before the exemption expires, or renew the exemption with a new reason.",
    "tags": ("exemptions",),
}


def guard_rules() -> list[Rule]:
    """The guard rules; build them after every other rule (fresh objects each call). The exemption reports
    (advisory) come first, the two mandatory fail-closed guards last."""
    exempted_resource = Rule(
        id="AZDR-SYS-003",
        name="exempted-findings",
        title="Every finding an active exemption suppresses is reported, with its exemption.",
        kind="resource",
        resource_types=("*",),
        check=_exempted_resource_check,
        **_EXEMPTED_COMMON,
    )
    exempted_stack = Rule(
        id="AZDR-SYS-004",
        name="exempted-stack-findings",
        title="Every stack finding an active exemption suppresses is reported, with its exemption.",
        kind="stack",
        resource_types=("*",),
        check=_exempted_stack_check,
        **_EXEMPTED_COMMON,
    )
    resource_guard = Rule(
        id="AZDR-SYS-001",
        name="rule-evaluation-failed",
        title="Every resource rule of the pack must evaluate; a rule that raised fails closed.",
        kind="resource",
        resource_types=("*",),
        check=_guard_resource_check,
        **_GUARD_COMMON,
    )
    stack_guard = Rule(
        id="AZDR-SYS-002",
        name="stack-rule-evaluation-failed",
        title="Every stack rule of the pack must evaluate; a rule that raised fails closed.",
        kind="stack",
        resource_types=("*",),
        check=_guard_stack_check,
        **_GUARD_COMMON,
    )
    return [exempted_resource, exempted_stack, resource_guard, stack_guard]
