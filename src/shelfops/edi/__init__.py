"""EDI X12: reading interchanges (846, 852, 856, 810) into the domain tables, and writing
850 purchase orders and 997 functional acknowledgements.

* :mod:`.syntax` — separators, the one error type :class:`~.syntax.X12Error`, element
  formatting and the interchange envelope every writer shares;
* :mod:`.parser` — text → interchange → functional groups → transaction sets, with the
  envelope checked (never raises for anything but an unreadable ISA header);
* :mod:`.x846`, :mod:`.x852`, :mod:`.x856`, :mod:`.x810` — transaction-set readers
  (segments → facts keyed by store and product codes);
* :mod:`.x850`, :mod:`.x997` — writers;
* :mod:`.service` — resolve the facts against the tenant's catalog and write them, all or
  nothing, with a sync-log row (:func:`~.service.import_edi_file`);
* :mod:`.cli` — ``shelfops edi import``.
"""
