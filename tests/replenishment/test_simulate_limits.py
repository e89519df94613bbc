"""The simulator reads suppliers.csv and products.csv with the same maxima as ingestion
and the catalog API: a lead time over a year, money over 1e12 or a unit count over 32
bits is an error naming the file, line and column. It also refuses a seed numpy cannot
take and zero replay days itself, not only through the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from shelfops.replenishment.simulate import (
    SimulationInputError,
    SimulationSettings,
    _read_products,
    _read_suppliers,
    load_replay,
)

SUPPLIERS_HEADER = "supplier_code,name,lead_time_days,lead_time_std_days,min_order_qty"
PRODUCTS_HEADER = (
    "product_code,name,category,department,supplier_code,"
    "unit_cost,unit_price,pack_size,launched_on,discontinued_on"
)


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("SUP2,Bolt,1e300,0,1", "lead_time_days", "must be ≤ 365"),
        ("SUP2,Bolt,366,0,1", "lead_time_days", "must be ≤ 365"),
        ("SUP2,Bolt,3,1e300,1", "lead_time_std_days", "must be ≤ 365"),
        ("SUP2,Bolt,3,0,3000000000", "min_order_qty", "must be ≤ 2147483647"),
    ],
)
def test_supplier_values_over_the_maxima_are_errors(
    tmp_path: Path, row: str, column: str, message: str
) -> None:
    path = tmp_path / "suppliers.csv"
    path.write_text(f"{SUPPLIERS_HEADER}\nSUP1,Acme,3,0.5,12\n{row}\n", encoding="utf-8")

    with pytest.raises(SimulationInputError) as raised:
        _read_suppliers(path)

    detail = raised.value.detail
    assert isinstance(detail, dict)
    assert (detail["file"], detail["line"], detail["column"]) == ("suppliers.csv", 3, column)
    assert message in detail["message"]


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("P2,Tea,Drinks,Grocery,SUP1,1e300,2,1,,", "unit_cost", "must be ≤ 1000000000000"),
        ("P2,Tea,Drinks,Grocery,SUP1,1,1e308,1,,", "unit_price", "must be ≤ 1000000000000"),
        ("P2,Tea,Drinks,Grocery,SUP1,1,2,3000000000,,", "pack_size", "must be ≤ 2147483647"),
    ],
)
def test_product_values_over_the_maxima_are_errors(
    tmp_path: Path, row: str, column: str, message: str
) -> None:
    path = tmp_path / "products.csv"
    path.write_text(
        f"{PRODUCTS_HEADER}\nP1,Milk,Dairy,Grocery,SUP1,0.6,1.19,12,,\n{row}\n", encoding="utf-8"
    )

    with pytest.raises(SimulationInputError) as raised:
        _read_products(path)

    detail = raised.value.detail
    assert isinstance(detail, dict)
    assert (detail["file"], detail["line"], detail["column"]) == ("products.csv", 3, column)
    assert message in detail["message"]


def test_values_at_the_maxima_are_read(tmp_path: Path) -> None:
    suppliers = tmp_path / "suppliers.csv"
    suppliers.write_text(f"{SUPPLIERS_HEADER}\nSUP1,Acme,365,365,2147483647\n", encoding="utf-8")
    products = tmp_path / "products.csv"
    products.write_text(
        f"{PRODUCTS_HEADER}\nP1,Milk,Dairy,Grocery,SUP1,1e12,1e12,2147483647,,\n",
        encoding="utf-8",
    )

    assert _read_suppliers(suppliers)["SUP1"]["lead_time_days"] == 365
    assert _read_products(products)["P1"]["unit_price"] == 1e12


@pytest.mark.parametrize("seed", [-1, True, 1.5])
def test_the_simulator_itself_refuses_a_seed_numpy_cannot_take(seed: object) -> None:
    # The command line refuses a negative seed first; callers in code come here.
    with pytest.raises(SimulationInputError) as raised:
        SimulationSettings(seed=seed).validate()  # type: ignore[arg-type]
    assert raised.value.detail == {
        "field": "seed",
        "value": seed,
        "message": "seed must be an integer ≥ 0",
    }


def test_the_simulator_itself_refuses_zero_days(tmp_path: Path) -> None:
    (tmp_path / "sales.csv").write_text(
        "date,store_code,product_code,quantity,unit_price,promo_flag,discount_pct,on_hand_close\n"
        "2026-01-01,S1,P1,2,1.0,false,0,5\n2026-01-02,S1,P1,3,1.0,false,0,2\n",
        encoding="utf-8",
    )
    (tmp_path / "products.csv").write_text(f"{PRODUCTS_HEADER}\n", encoding="utf-8")
    (tmp_path / "suppliers.csv").write_text(f"{SUPPLIERS_HEADER}\n", encoding="utf-8")
    with pytest.raises(SimulationInputError, match="days must be at least 1"):
        load_replay(tmp_path, days=0, settings=SimulationSettings())
