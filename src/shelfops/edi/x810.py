"""810 Invoice → the products' unit cost.

Read (004010)::

    BIG   BIG01 invoice date, BIG02 invoice number, BIG04 purchase order number
    N1    N1*ST store code (N104): recorded with the invoice
    IT1   IT102 quantity invoiced, IT103 unit (EA/UN or CA), IT104 unit price (per
          IT103 unit), IT106/IT107 … product id pairs (product id rule of :mod:`.reading`)
    TDS   TDS01 total amount (two implied decimals): recorded with the invoice
    CTT   CTT01 number of IT1 lines, checked when present
"""

from __future__ import annotations

from shelfops.edi.document import TransactionSet
from shelfops.edi.facts import Facts, InvoiceLine, Quantity, Ref
from shelfops.edi.reading import SetReader, check_count


def read(ts: TransactionSet, facts: Facts) -> None:
    """Read one 810 into ``facts``; problems go on ``ts``."""
    reader = SetReader(ts, facts)
    body = ts.body
    if not body or body[0].id != "BIG":
        reader.missing_segment(body[0] if body else ts.st, "expected BIG right after ST")
        return
    big = body[0]
    invoice_date = reader.date(big, 1, "invoice date")
    number = reader.text(big, 2, "invoice number")
    po_number = big.element(4) or None
    ship_to = next(
        (s.element(4) or None for s in body if s.id == "N1" and s.element(1) == "ST"), None
    )
    lines = [s for s in body if s.id == "IT1"]
    for it1 in lines:
        reader.record()
        product = reader.product(it1, 6)
        unit = reader.unit(it1, 3)
        quantity = reader.quantity(it1, 2, "quantity invoiced", unit=unit, required=False)
        price = reader.price(it1, 4, "unit price")
        if product is None or unit is None or price is None:
            continue
        if invoice_date is None or number is None:
            continue
        reader.facts.invoices.append(
            InvoiceLine(
                origin=ts,
                invoice_number=number,
                invoice_date=invoice_date,
                po_number=po_number,
                ship_to=ship_to,
                product=product,
                quantity=quantity,
                unit_price=Quantity(value=price, unit=unit, ref=Ref(it1.element(4), it1, 4)),
            )
        )
    for segment in body:
        if segment.id == "TDS" and number is not None:
            total = reader.number(segment, 1, "total invoice amount")
            if total is not None:
                # TDS01 is an N2 element: two implied decimal places.
                facts.invoice_totals[number] = total.scaleb(-2)
        elif segment.id == "CTT":
            check_count(reader, segment, len(lines), "IT1 lines")
    if not lines:
        reader.missing_segment(big, "the invoice has no line: expected IT1 segments")
