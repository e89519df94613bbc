"""Contract profiles: the committed schema, the shipped examples, readable errors with
YAML paths and lines, and a tenant's profile folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from shelfops.config import Environment, Settings
from shelfops.ingest.schemas import IngestKind
from shelfops.integrations.config import InboxTransport, SftpTransport
from shelfops.onboarding.profiles import (
    SCHEMA_FILE,
    ContractProfile,
    Grain,
    ProfileInvalid,
    QuantitySignPolicy,
    SourceType,
    json_schema,
    load_profile,
    parse_profile,
    schema_text,
    tenant_profiles,
    unrepresentable,
)
from tests.onboarding.helpers import EXAMPLES

MINIMAL = """\
profile_id: shop-pos
version: 1
source_name: shop-pos
source_type: smb_csv
grain: daily_store_item
field_map:
  sales:
    date: Day
    store_code: Store
    product_code: SKU
    quantity: Units
    unit_price: Price
defaults:
  sales:
    promo_flag: false
    discount_pct: 0
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(ProfileInvalid) as caught:
        parse_profile(text)
    return caught.value.errors


def test_the_committed_schema_is_the_generated_one() -> None:
    # Regenerate with:
    #   shelfops profile schema > src/shelfops/onboarding/contract_profile.schema.json
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text()
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    # The schema knows the canonical fields, so editors can complete them.
    sales = schema["properties"]["field_map"]["properties"]["sales"]
    assert list(sales["properties"]) == [
        "date",
        "store_code",
        "product_code",
        "quantity",
        "unit_price",
        "promo_flag",
        "discount_pct",
        "on_hand_close",
    ]
    assert sales["additionalProperties"] is False


def test_every_example_profile_loads_and_there_is_one_per_source_type() -> None:
    profiles = [load_profile(path) for path in sorted(EXAMPLES.glob("*.yaml"))]
    assert {p.source_type for p in profiles} == set(SourceType)
    by_id = {p.profile_id: p for p in profiles}
    pos = by_id["corner-shop-pos"]
    assert (pos.grain, pos.kinds, pos.quantity_sign_policy) == (
        Grain.TRANSACTION_LINE,
        (IngestKind.SALES,),
        QuantitySignPolicy.DROP_RETURNS,
    )
    assert pos.timezone.business_day == "store"
    daily = by_id["filiale-tagesumsatz"]
    assert (daily.csv.delimiter, daily.csv.decimal_separator, daily.csv.thousands_separator) == (
        ";",
        ",",
        ".",
    )
    assert isinstance(daily.transport, SftpTransport)
    dc = by_id["acme-dc-positions"]
    assert dc.unit_conversions[IngestKind.INVENTORY]["on_hand"].factor_column == "CASE_PACK"
    assert isinstance(by_id["acme-edi-van"].transport, InboxTransport)
    events = by_id["acme-pos-events"]
    assert (
        events.stream is not None and events.stream.dead_letters == "shelfops:acme:pos-events:dead"
    )
    for profile in profiles:
        if profile.source_type in (SourceType.ENTERPRISE_EDI, SourceType.ENTERPRISE_EVENT):
            # Not mapped by the CSV mapper: onboarding them says so.
            assert unrepresentable(profile)
        else:
            assert unrepresentable(profile) == [], profile.profile_id


def test_a_wrong_type_is_reported_with_its_path_and_line() -> None:
    text = MINIMAL.replace("quantity: Units", "quantity: 3")
    assert errors_of(text) == ["line 11: field_map.sales.quantity: expected string, got 3"]


def test_every_problem_is_listed_with_its_path_and_line() -> None:
    text = (
        MINIMAL.replace("quantity: Units", "qty: Units")
        .replace("version: 1", "version: 0")
        .replace("grain: daily_store_item", "grain: daily")
        + """\
null_policy:
  sales:
    unit_price: drop
    quantity: {defualt: 0}
transport:
  kind: ftp
quality:
  max_duplicate_rate: 1.5
csv:
  delimiter: ";;"
"""
    )
    errors = errors_of(text)
    assert errors == [
        "line 2: version: must be ≥ 1, got 0",
        "line 5: grain: expected one of 'transaction_line', 'daily_store_item', "
        "'inventory_snapshot', 'catalog_products', 'catalog_stores', 'catalog_suppliers', "
        "got 'daily'",
        "line 11: field_map.sales.qty: unknown key 'qty' (allowed: date, store_code, "
        "product_code, quantity, unit_price, promo_flag, discount_pct, on_hand_close)",
        "line 19: null_policy.sales.unit_price: expected one of 'reject', 'drop_row', got 'drop'",
        "line 20: null_policy.sales.quantity: missing required key 'default'",
        "line 20: null_policy.sales.quantity.defualt: unknown key 'defualt'; did you mean "
        "'default'? (allowed: default)",
        "line 22: transport.kind: expected one of 'sftp', 'inbox', got 'ftp'",
        "line 24: quality.max_duplicate_rate: must be ≤ 1, got 1.5",
        "line 26: csv.delimiter: must be at most 1 character(s), got ';;'",
    ]


def test_an_unquoted_yes_is_explained_as_a_yaml_boolean() -> None:
    text = MINIMAL + "type_map:\n  sales:\n    promo_flag: {true_values: [J], false_values: [no]}\n"
    (error,) = errors_of(text)
    assert error.startswith(
        "line 19: type_map.sales.promo_flag.false_values[0]: expected string, got false"
    )
    assert "quote it" in error


def test_cross_field_rules_name_their_paths() -> None:
    text = (
        MINIMAL.replace("grain: daily_store_item", "grain: transaction_line")
        + """\
  inventory:
    on_hand: 5
derivations:
  sales:
    promo_flag: {method: discount_from_regular_price, regular_price_column: List}
date_format: "%d.%m"
timezone: {source: Europe/Berln}
"""
    )
    assert errors_of(text) == [
        "line 17: defaults.inventory: the profile produces no inventory (map at least one "
        "field in field_map first)",
        "line 21: derivations.sales.promo_flag: the field already has a column or a default",
        "line 21: derivations.sales.promo_flag: discount_from_regular_price computes "
        "sales.discount_pct only",
        "line 22: date_format: '%d.%m' does not read back a full date (it needs a day, a "
        "month and a year; 2025-03-07 becomes '07.03')",
        "line 23: timezone.source: not an IANA time zone name: 'Europe/Berln'",
    ]


def test_a_number_field_is_the_only_thing_a_unit_conversion_applies_to() -> None:
    text = MINIMAL + "unit_conversions:\n  sales:\n    store_code: {factor: 12}\n"
    assert errors_of(text) == [
        "line 19: unit_conversions.sales.store_code: unknown key 'store_code' (allowed: "
        "quantity, unit_price, discount_pct, on_hand_close)"
    ]


def test_yaml_syntax_errors_and_duplicate_keys_name_the_line() -> None:
    (syntax,) = errors_of("profile_id: x\nversion: 1\nfield_map:\n  sales: [a\n")
    assert syntax.startswith("line 5, column 1:")
    (duplicate,) = errors_of(
        MINIMAL.replace("    unit_price: Price\n", "    unit_price: Price\n    quantity: Qty\n")
    )
    assert duplicate == (
        "line 13: field_map.sales.quantity: the key appears twice (first on line 11); "
        "YAML would silently keep only the last one"
    )
    (unquoted,) = errors_of(MINIMAL + "date_format: %d.%m.%Y\n")
    assert unquoted == (
        "line 17, column 14: found character '%' that cannot start any token "
        "(while scanning for the next token)"
    )


def test_a_missing_file_and_an_edi_profile_with_a_mapping_are_invalid(tmp_path: Path) -> None:
    with pytest.raises(ProfileInvalid) as caught:
        load_profile(tmp_path / "nope.yaml")
    assert caught.value.errors == ["the file does not exist"]
    text = MINIMAL.replace("source_type: smb_csv", "source_type: enterprise_edi")
    assert errors_of(text) == [
        "line 6: field_map: a enterprise_edi source is read by its EDI adapter (shelfops.edi), "
        "not by the CSV mapper; leave grain and field_map out"
    ]
    assert errors_of(MINIMAL.replace("source_type: smb_csv", "source_type: enterprise_event")) == [
        "stream: required for an enterprise_event source",
        "line 6: field_map: a enterprise_event source is read by its event-stream consumer "
        "(shelfops.integrations.events), not by the CSV mapper; leave grain and field_map out",
    ]


def test_an_unmapped_required_field_is_unrepresentable_not_invalid() -> None:
    profile = parse_profile(MINIMAL.replace("    discount_pct: 0\n", ""))
    assert unrepresentable(profile) == [
        "sales.discount_pct is required but the profile maps no source column to it and "
        "declares no default or derivation"
    ]


def test_the_schema_is_json_schema_2020_12_of_the_model() -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "ShelfOps contract profile"
    assert set(schema["required"]) == {"profile_id", "version", "source_name", "source_type"}
    assert set(schema["properties"]) == set(ContractProfile.model_fields)


def _settings(tmp_path: Path) -> Settings:
    return Settings(env=Environment.TEST, var_dir=tmp_path)


def test_tenant_profiles_reads_the_tenant_folder(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert tenant_profiles(settings, "acme") == []
    folder = settings.contracts_dir / "acme"
    folder.mkdir(parents=True)
    for name in ("enterprise-edi-van.yaml", "enterprise-dc-positions.yaml"):
        (folder / name).write_text((EXAMPLES / name).read_text(encoding="utf-8"))
    (folder / "notes.txt").write_text("not a profile")
    profiles = tenant_profiles(settings, "acme")
    assert [p.profile_id for p in profiles] == ["acme-dc-positions", "acme-edi-van"]
    assert {p.tenant for p in profiles} == {"acme"}


def test_tenant_profiles_refuses_a_broken_or_foreign_profile(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    folder = settings.contracts_dir / "acme"
    folder.mkdir(parents=True)
    (folder / "a.yaml").write_text(MINIMAL + "tenant: other\n")
    (folder / "b.yaml").write_text(MINIMAL.replace("version: 1", "version: x"))
    (folder / "c.yaml").write_text(MINIMAL)
    (folder / "d.yml").write_text(MINIMAL.replace("profile_id: shop-pos", "profile_id: again"))
    with pytest.raises(ProfileInvalid) as caught:
        tenant_profiles(settings, "acme")
    assert caught.value.errors == [
        "a.yaml: tenant: the profile is for tenant 'other' but sits in the folder of 'acme'",
        "b.yaml: line 2: version: expected integer, got 'x'",
        "d.yml: source_name: 'shop-pos' is already used by c.yaml",
    ]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # An alias inside its own anchor: expanding it recursed until RecursionError.
        (
            "a: &a [*a, *a]\n",
            "line 1: YAML anchors and aliases are not allowed in a contract "
            "profile (found anchor &a); write the value out in full",
        ),
        (
            MINIMAL.replace("source_name: shop-pos", "source_name: *id"),
            "line 3: YAML anchors "
            "and aliases are not allowed in a contract profile (found alias *id)",
        ),
        (
            MINIMAL.replace("profile_id: shop-pos", "profile_id: &id shop-pos"),
            "line 1: YAML "
            "anchors and aliases are not allowed in a contract profile (found anchor &id)",
        ),
    ],
)
def test_yaml_anchors_and_aliases_are_refused_with_their_line(text: str, found: str) -> None:
    (error,) = errors_of(text)
    assert error.startswith(found)


def test_a_billion_laughs_profile_is_refused_before_it_expands() -> None:
    # Each level is 9 aliases of the one before: 9**levels items once expanded (7 levels
    # took seconds and gigabytes). Kept small here so that a regression fails instead of
    # exhausting the machine; refused at its first anchor either way.
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 5)]
    (error,) = errors_of("\n".join(lines) + "\n")
    assert error.startswith("line 1: YAML anchors and aliases are not allowed")
    # No example profile uses them.
    for path in sorted(EXAMPLES.glob("*.yaml")):
        events = list(yaml.parse(path.read_text(encoding="utf-8")))
        assert not [e for e in events if getattr(e, "anchor", None) is not None], path.name


@pytest.mark.parametrize("encoding", ["rot13", "base64", "hex", "zlib", "idna", "undefined"])
def test_a_codec_that_is_not_a_text_encoding_is_refused(encoding: str) -> None:
    (error,) = errors_of(MINIMAL + f"csv:\n  encoding: {encoding}\n")
    assert error.startswith(f"line 18: csv.encoding: {encoding!r} is not a text encoding of files")
    assert error.endswith("expected a text encoding such as utf-8, cp1252, latin-1 or utf-16")


def test_known_text_encodings_pass_and_unknown_ones_are_named() -> None:
    for encoding in ("utf-8", "UTF8", "cp1252", "latin-1", "utf-16", "utf-8-sig"):
        assert parse_profile(MINIMAL + f"csv:\n  encoding: {encoding}\n").csv.encoding == encoding
    assert errors_of(MINIMAL + "csv:\n  encoding: klingon\n") == [
        "line 18: csv.encoding: unknown encoding 'klingon'; expected a text encoding such as "
        "utf-8, cp1252, latin-1 or utf-16"
    ]


def test_localtime_and_factory_are_not_time_zones() -> None:
    assert errors_of(MINIMAL + "timezone:\n  source: localtime\n  business_day: Factory\n") == [
        "line 18: timezone.source: not an IANA time zone name: 'localtime'",
        "line 19: timezone.business_day: expected 'source', 'store' or an IANA zone, got 'Factory'",
    ]


def test_an_infinite_factor_or_sla_is_refused_on_its_line() -> None:
    # An infinite factor turned every value into NaN; an infinite SLA could never be
    # breached (and showed as null in sync health). YAML spells both .inf.
    text = MINIMAL.replace("source_type: smb_csv", "source_type: smb_csv\nsla_hours: .inf") + (
        "unit_conversions:\n  sales:\n    quantity: {factor: .inf}\n"
    )
    assert errors_of(text) == [
        "line 5: sla_hours: expected a finite number, got inf",
        "line 20: unit_conversions.sales.quantity.factor: expected a finite number, got inf",
    ]
