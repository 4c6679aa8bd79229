"""The rest of the synthetic account: a record table for every resource of the spec beyond the schedule.

``add_extras(account)`` adds the 30 tables ``build_account``'s eight schedule tables leave out, made
to hang together with them:

- reference data: the vendor record (the business itself, in ``Australia/Melbourne``), tax rates
  (GST 10 %, GST free), security roles, badges, templates (document, email, SMS, job), locations,
  suppliers, asset types and their fields, knowledge articles, forms and their fields, materials
  (a catalogue, a labour rate for every staff member, so every ``labour_material_uuid`` and job
  activity ``material_uuid`` names one) and material bundles;
- per client: contacts (``companycontact``: the person for a household, one to three people for a
  business) and, for some, an asset on site;
- per job: its site contact (``jobcontact``; some have no phone number) and sometimes a billing
  contact or property manager, notes, the lines of material and labour on it (``jobmaterial``:
  quantities and prices as strings, as the spec has them; a completed job's lines add up to its
  ``total_invoice_amount`` where its hours allow), bundles of them, checklists, payments (a paid
  job's add up to its invoice), form responses filled in on its visits (``regarding_object_uuid``
  the job, by the staff member of the visit, while on site), attachments (photos on visits, quote
  and invoice PDFs), feedback, tasks of its staff, staff messages about it, and badges
  (``job.badges``: a JSON array of badge uuids, as the spec describes the field).

The records draw from a random stream of their own (``random.Random(f"{seed}:extras")``) and are
made after the schedule, so the eight schedule tables are what they were before these existed, byte
for byte, but for ``job.badges`` (filled in here, nothing else of a job changes). Every record has
every field of its schema in the spec's order; a field nothing here sets holds its kind's blank.
Child tables grow with the number of jobs. At the ``medium`` and ``large`` scales (three years of
history) only the last year's jobs carry detail, at lower rates (``_RATES``, ``_DETAIL_DAYS``), as if
the business had started using contacts, notes, materials and forms then (every paid job has its
payments), so a large account builds about a third slower and takes about a third more memory, not
double.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from ..resources import get_resource
from .account import FIRST_NAMES, LAST_NAMES, SCALES, STREETS, SUBURBS, ZERO, Account
from .store import blank_record

__all__ = ["EXTRA_RESOURCES", "add_extras"]

Record = dict[str, Any]
T = TypeVar("T")

EXTRA_RESOURCES = (
    "taxrate", "securityrole", "vendor", "location", "supplier", "documenttemplate", "emailtemplate",
    "smstemplate", "jobtemplate", "knowledgearticle", "form", "formfield", "badge", "assettype", "assettypefield",
    "material", "materialbundle", "companycontact", "asset", "jobcontact", "note", "jobmaterialbundle",
    "jobmaterial", "jobchecklist", "jobpayment", "formresponse", "attachment", "feedback", "task", "staffmessage",
)
"""The tables ``add_extras`` adds, in the order it makes them."""

# How often a job carries each kind of child record, per scale (``large`` has fewer per job: it is
# built for volume, and must stay quick to build and within memory).
_THIN = {"site_contact": 0.6, "notes": 0.25, "photos": 0.04, "forms": 0.05, "checklist": 0.1, "task": 0.05,
         "message": 0.06, "billing_contact": 0.05, "quote_lines": 0.2, "documents": 0.2}
# Days back from the account's now that jobs carry detail (contacts, notes, lines, forms...; every paid job
# has its payments): a big account's older history has none, as if it had started using them then.
_DETAIL_DAYS = {"small": 366, "medium": 365, "large": 365}
_RATES: dict[str, dict[str, float]] = {
    "small": {"site_contact": 0.9, "notes": 0.5, "photos": 0.1, "forms": 0.1, "checklist": 0.2, "task": 0.12,
              "message": 0.15, "billing_contact": 0.1, "quote_lines": 0.4, "documents": 0.5},
    "medium": _THIN,
    "large": _THIN,
}
_LABOUR_RATE = 110.0  # dollars an hour, ex GST: what synth prices a completed job's hours at
_VENDOR = "Harbour Trades Pty Ltd"
_DOMAIN = "harbourtrades.com.au"
_TAX_RATES = [("GST", "10", 1), ("GST Free", "0", 0), ("Input Taxed", "0", 0)]
_ROLES = [
    ("Administrator", "Full access to every part of the account, billing and settings."),
    ("Office Staff", "Creates jobs and quotes, schedules and allocates work, invoices clients."),
    ("Field Staff", "Sees the jobs allocated or scheduled to them; checks in, records time, fills in forms."),
    ("Apprentice", "Field staff access without prices or client billing details."),
    ("Subcontractor", "Sees only the jobs allocated to them, without client contact details."),
]
_CATALOGUE = [  # name, price ex GST, inventoried
    ("Copper pipe 15mm (per m)", 12.5, 1), ("PEX pipe 20mm (per m)", 6.8, 1), ("Flick mixer tap", 189.0, 1),
    ("Toilet cistern inlet valve", 38.5, 1), ("Dual flush button kit", 45.0, 1), ("Brass ball valve 20mm", 32.0, 1),
    ("PVC pipe 100mm (per m)", 18.0, 1), ("Drain junction 100mm", 24.0, 1), ("Thread seal tape", 2.5, 1),
    ("Hot water tempering valve", 165.0, 1), ("Pressure relief valve", 58.0, 1),
    ("315L electric hot water unit", 1450.0, 1), ("Gas cooktop connection kit", 85.0, 1),
    ("Gas flexible hose 1.2m", 42.0, 1), ("LED downlight 10W", 28.0, 1), ("Double power point", 22.0, 1),
    ("RCD safety switch", 95.0, 1), ("TPS cable 2.5mm (per m)", 3.2, 1), ("Circuit breaker 20A", 26.0, 1),
    ("Smoke alarm 240V", 79.0, 1), ("Ceiling fan", 245.0, 1), ("Split system 7.1kW", 1890.0, 1),
    ("Refrigerant R32 (per kg)", 95.0, 1), ("Condensate pump", 135.0, 1), ("Air filter", 35.0, 1),
    ("Colorbond gutter (per m)", 28.0, 1), ("Downpipe 90mm (per m)", 22.0, 1), ("Roof sealant", 18.0, 1),
    ("Treated pine decking (per m)", 9.5, 1), ("Interior door", 120.0, 1), ("Door hinge set", 16.0, 1),
    ("Cabinet hinge", 12.0, 1), ("Call-out fee", 95.0, 0), ("After-hours surcharge", 150.0, 0),
    ("Waste disposal", 45.0, 0),
]
_BUNDLES = [  # item number, name, [(catalogue index, quantity)]
    ("KIT-HWS", "Hot water replacement kit", [(11, 1), (9, 1), (10, 1), (0, 3)]),
    ("KIT-TAP", "Tap replacement kit", [(2, 1), (8, 1), (5, 1)]),
    ("KIT-SPLIT", "Split system install kit", [(21, 1), (22, 1), (23, 1)]),
    ("KIT-DL6", "Downlight upgrade (6 lights)", [(14, 6), (17, 10)]),
]
_SUPPLIERS = ["Southern Plumbing Supplies", "Metro Electrical Wholesale", "CoolAir Parts Co",
              "Bayside Hardware & Timber", "Eastern Gas Components", "Victoria Drainage Supplies"]
_DOCUMENTS = [("Quote", "Quote", "job"), ("Invoice", "Invoice", "job"), ("Work Order", "Work Order", "job"),
              ("Job Card", "Job Card", "job"), ("Compliance Certificate", "Form", "form")]
_EMAILS = [
    ("Quote", "Your quote from {{vendor.name}}",
     "<p>Hi {{job.contact_first}},</p><p>Please find your quote attached.</p>"),
    ("Invoice", "Invoice {{job.generated_job_id}}", "<p>Hi {{job.contact_first}},</p><p>Your invoice is attached.</p>"),
    ("Booking confirmation", "Your booking on {{job.next_visit}}", "<p>We will see you on {{job.next_visit}}.</p>"),
    ("Thank you", "Thanks from {{vendor.name}}", "<p>Thank you for choosing us. How did we go?</p>"),
]
_SMS = [("On my way", "Hi {{job.contact_first}}, {{staff.first}} is on the way and will arrive in about 20 minutes."),
        ("Booking reminder", "Reminder: {{vendor.name}} is booked for {{job.next_visit}}. Reply Y to confirm."),
        ("Job complete", "Your job is complete. Thanks for choosing {{vendor.name}}!")]
_JOB_TEMPLATES = ["Leaking tap in kitchen", "Replace hot water system", "Split system service", "Install downlights",
                  "Blocked drain", "Quarterly maintenance visit", "Gas heater service", "Roof leak inspection"]
_ARTICLES = [  # name, type, tags
    ("Isolating a gas meter safely", "richtext", "gas,safety"),
    ("Hot water system installation guide", "pdf", "hot water,install"),
    ("Testing a safety switch", "video", "electrical,testing"),
    ("After-hours call-out procedure", "call", "after hours,procedure"),
    ("Blocked drain troubleshooting", "richtext", "drainage"),
    ("Company vehicle checklist", "richtext", "vehicles,safety"),
]
_FORMS = [  # name, independent, badge state, questions (name, type)
    ("Job Safety Analysis", "1", "1", [("Hazards identified", "Text"), ("Controls in place", "Text"),
                                       ("PPE worn", "Checkbox"), ("Signature", "Signature")]),
    ("Gas Compliance Certificate", "0", "2", [("Appliance", "Text"), ("Leak test passed", "Choice"),
                                              ("Certificate number", "Text")]),
    ("Electrical Certificate of Compliance", "0", "2", [("Circuits tested", "Text"), ("RCD trip time (ms)", "Number"),
                                                        ("Certificate number", "Text")]),
    ("Customer Sign-off", "0", "2", [("Work completed to satisfaction", "Choice"), ("Customer name", "Text"),
                                     ("Signature", "Signature")]),
    ("Hot Water Service Report", "0", "0", [("Unit make", "Text"), ("Relief valve replaced", "Choice"),
                                            ("Thermostat setting", "Number")]),
]
_CERTIFICATE = {"Gas Fitting": 1, "Electrical": 2, "Hot Water": 4}  # category → form index
_BADGES = [  # name, automatically allocated, form index (a badge that asks for a form)
    ("Urgent", "0", None), ("VIP Client", "0", None), ("Warranty", "0", None), ("Key Required", "0", None),
    ("Dog on Site", "0", None), ("Strata", "0", None), ("Safety Check", "1", 0), ("Parts on Order", "0", None),
]
_ASSET_TYPES = [
    ("Hot Water System", [("Brand", "Text"), ("Capacity (L)", "Number"), ("Installed", "Date")]),
    ("Split System", [("Brand", "Text"), ("Capacity (kW)", "Number"), ("Serial number", "Text")]),
    ("Backflow Prevention Device", [("Size (mm)", "Number"), ("Last tested", "Date")]),
    ("Smoke Alarm", [("Location", "Text"), ("Expiry", "Date")]),
]
_ASSET_BRANDS = ["Rheem", "Rinnai", "Daikin", "Mitsubishi", "Dux", "Zip", "Quell", "Clipsal"]
_CHECKLIST = [  # section, item, type
    ("Before starting", "Complete the JSA", "Form"), ("Before starting", "Take before photos", "Photo"),
    ("Before starting", "Isolate the supply", "Todo"), ("On completion", "Test and commission", "Todo"),
    ("On completion", "Take after photos", "Photo"), ("On completion", "Customer sign-off", "Form"),
    ("On completion", "Clean up the site", "Todo"),
]
# A checklist reminder's data, a JSON string as the spec describes it ("For RELATIVE_DATETIME, includes
# 'relativeDateTime' with 'baseDate', 'unit', and 'quantity'").
_REMINDER_DATA = json.dumps({"relativeDateTime": {"baseDate": "NEXT_BOOKING_TIME", "unit": "HOUR", "quantity": -2}})
_NOTES = [
    "Client called to confirm access.", "Parts ordered from supplier, ETA 3 days.", "Left a voicemail, will try again.",
    "Tenant asked for a morning visit.", "Quote emailed to client.", "Dog on site: use the side gate.",
    "Client happy with the work.", "Follow up on payment next week.", "Photos of the damage taken for insurance.",
    "Warranty claim lodged with the manufacturer.", "Needs a second tradesperson for the lift.", "Gate code 1942#.",
    "Meter box is in the garage.", "Client prefers SMS over calls.",
]
_TASKS = ["Call client to book a time", "Order parts", "Chase overdue payment", "Follow up quote",
          "Send compliance certificate", "Check warranty status", "Book return visit"]
_MESSAGES = ["Can you swing by after lunch?", "Running 20 minutes late.", "Parts are at the counter for pickup.",
             "Client rang, please call them back.", "Job sheet updated, please check the notes.",
             "Can you take the apprentice tomorrow?", "Need a hand with a heavy unit, are you free?"]
_FEEDBACK = {"5": ["Fantastic service, on time and tidy.", "Very professional, would recommend.", ""],
             "4": ["Good job, a little late.", "Happy with the work."], "3": ["OK, had to call twice."],
             "2": ["Took longer than quoted."], "1": ["Not happy, the problem came back."]}
_RATINGS = ["5"] * 6 + ["4"] * 3 + ["3", "2", "1"]
_PAYMENT_METHODS = ["Credit Card", "Credit Card", "Bank Transfer", "Bank Transfer", "Cash", "Cheque", "Stripe"]
_CONTACT_TYPES_OF_BUSINESS = ["Property Manager", "JOB"]


def _ts(moment: datetime) -> str:
    return moment.isoformat(" ", "seconds")


def _when(text: str) -> datetime | None:
    """A wire timestamp (or date) as a datetime; ``None`` for the zero date."""
    return None if not text or text.startswith("0000") else datetime.fromisoformat(text)


def _money(amount: float) -> str:
    return f"{amount:.2f}"


def _number(value: float) -> str:
    """A quantity as the API writes one in a string: ``"2"``, ``"1.5"``."""
    return f"{value:g}"


class _Extras:
    """Holds the extras' random stream and the account while its other tables are made."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.rng = random.Random(f"{account.seed}:extras")
        self.rates = _RATES.get(account.scale, _RATES["small"])
        self.detail_from = f"{account.now - timedelta(days=_DETAIL_DAYS.get(account.scale, 366)):%Y-%m-%d}"
        self.now = account.now
        self.tables: dict[str, list[Record]] = {name: [] for name in EXTRA_RESOURCES}
        self._blanks = {name: blank_record(get_resource(name)) for name in EXTRA_RESOURCES}
        staff = account.tables["staff"]
        self.staff = staff
        self.office = [s["uuid"] for s in staff[:2]]
        self.workers = [s["uuid"] for s in staff if s["hide_from_schedule"] == 0 and s["active"] == 1] or self.office
        self.start = self.now - timedelta(days=SCALES[account.scale].history_days)

    # --- helpers ------------------------------------------------------------------------------
    def uuid(self) -> str:
        """A version-4 uuid from the stream (as ``seeded_uuid``, without building a ``UUID``)."""
        h = f"{(self.rng.getrandbits(128) & ~(0xF << 76) & ~(0x3 << 62)) | (0x4 << 76) | (0x2 << 62):032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def pick(self, choices: Sequence[T]) -> T:
        """One of ``choices`` (``random.choice``, faster: the stream's draws are made millions of times)."""
        return choices[int(self.rng.random() * len(choices))]

    def whole(self, low: int, high: int) -> int:
        """A whole number from ``low`` to ``high`` inclusive (``random.randint``, faster)."""
        return low + int(self.rng.random() * (high - low + 1))

    def add(self, table: str, **values: Any) -> Record:
        """Add a record of ``table``: its blank record with ``values``, a new uuid and active unless given.

        (Records share their blank lists and objects: give every ``list`` field a value of its own.)
        """
        record = {**self._blanks[table], "uuid": self.uuid(), "active": 1, **values}
        self.tables[table].append(record)
        return record

    def edited(self, moment: datetime, later: datetime | None = None) -> str:
        """An ``edit_date`` a little after ``moment`` (or ``later``, if given), never after the account's now."""
        latest = later if later is not None and later > moment else moment
        return _ts(min(latest + timedelta(minutes=int(self.rng.random() * 90)), self.now))

    def active(self, p_deleted: float = 0.02) -> int:
        return 0 if self.rng.random() < p_deleted else 1

    def person(self) -> tuple[str, str]:
        return self.pick(FIRST_NAMES), self.pick(LAST_NAMES)

    def mobile(self) -> str:
        r = self.whole
        return f"04{r(10, 99)} {r(100, 999)} {r(100, 999)}"

    def phone(self) -> str:
        r = self.whole
        return f"(03) {r(9000, 9999)} {r(1000, 9999)}"

    def between(self, first: datetime, last: datetime) -> datetime:
        """A moment between ``first`` and ``last`` (``first`` when they are the wrong way round)."""
        span = int((last - first).total_seconds())
        return first + timedelta(seconds=self.rng.randrange(span)) if span > 0 else first

    # --- reference data ------------------------------------------------------------------------
    def reference(self) -> None:
        rng, start = self.rng, self.start
        for name, amount, default in _TAX_RATES:
            self.add("taxrate", edit_date=self.edited(start), name=name, amount=amount, is_default_tax_rate=default)
        self.gst = self.tables["taxrate"][0]["uuid"]
        for name, description in _ROLES:
            self.add("securityrole", edit_date=self.edited(start), name=name, role_description=description)
        hours = {f"{edge}_time_{day}": value for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
                 for edge, value in (("opening", "420"), ("closing", "1050"))}
        weekend = {f"{edge}_time_{day}": "0" for day in ("saturday", "sunday") for edge in ("opening", "closing")}
        self.add("vendor", edit_date=self.edited(start), name=_VENDOR, abn_number="51 824 753 556",
                 business_number="51 824 753 556", email=f"office@{_DOMAIN}", email_accounts=f"accounts@{_DOMAIN}",
                 billing_address="PO Box 212, Richmond VIC 3121", default_region="AU", currency="AUD",
                 timezone_name="Australia/Melbourne", invoice_terms="14 days", job_default_status="Quote",
                 website=f"www.{_DOMAIN}", **hours, **weekend)
        for name, (suburb, postcode) in (("Head Office", ("Richmond", "3121")), ("Warehouse", ("Preston", "3072"))):
            self.add("location", edit_date=self.edited(start), name=name,
                     line1=f"{self.whole(1, 240)} {self.pick(STREETS)}", city=suburb, state="VIC",
                     post_code=postcode, country="Australia", phone_1=self.phone(),
                     lat=round(-37.81 + rng.uniform(-0.08, 0.08), 6), lng=round(144.96 + rng.uniform(-0.08, 0.08), 6))
        for name in _SUPPLIERS:
            suburb, postcode = self.pick(SUBURBS)
            number, street = str(self.whole(1, 400)), self.pick(STREETS)
            self.add("supplier", edit_date=self.edited(start), name=name,
                     business_number=f"{self.whole(10, 99)} {self.whole(100, 999)} {self.whole(100, 999)} "
                                     f"{self.whole(100, 999)}",
                     address=f"{number} {street}, {suburb} VIC {postcode}",
                     email="trade@" + "".join(c for c in name.lower() if c.isalpha())[:16] + ".com.au",
                     phone=self.phone(), account_number=f"HT{self.whole(10000, 99999)}",
                     lat=round(-37.81 + rng.uniform(-0.12, 0.12), 6), lng=round(144.96 + rng.uniform(-0.12, 0.12), 6),
                     geo_is_valid=1, geo_country="Australia", geo_postcode=postcode, geo_state="VIC", geo_city=suburb,
                     geo_street=street, geo_number=number)
        for name, template_type, related in _DOCUMENTS:
            self.add("documenttemplate", edit_date=self.edited(start), name=name, template_type=template_type,
                     related_object=related)
        for name, subject, message in _EMAILS:
            self.add("emailtemplate", edit_date=self.edited(start), name=name, subject=subject, message=message)
        for name, message in _SMS:
            self.add("smstemplate", edit_date=self.edited(start), name=name, message=message)
        for name in _JOB_TEMPLATES:
            self.add("jobtemplate", edit_date=self.edited(start), name=name)
        certificate = self.tables["documenttemplate"][-1]["uuid"]
        for i, (name, independent, badge_state, questions) in enumerate(_FORMS):
            form = self.add("form", edit_date=self.edited(start), name=name,
                            document_template_uuid=certificate if i in _CERTIFICATE.values() else "",
                            can_be_used_independently=independent, badge_mandatory_state=badge_state,
                            template_fields=[{"name": "Licence number", "fieldType": "Text", "value": "PL-40721",
                                              "sortOrder": 1}] if i in _CERTIFICATE.values() else [])
            for order, (question, kind) in enumerate(questions, start=1):
                data: dict[str, Any] = {"type": kind, "mandatory": order == 1}
                if kind == "Choice":
                    data["choices"] = ["Yes", "No", "N/A"]
                self.add("formfield", edit_date=form["edit_date"], form_uuid=form["uuid"], name=question,
                         field_data_json=json.dumps(data), sort_order=order)
        self.forms = self.tables["form"]
        self.form_questions = [[q for q, _ in questions] for *_, questions in _FORMS]
        for name, automatic, form_index in _BADGES:
            asks = self.forms[form_index] if form_index is not None else None
            self.add("badge", edit_date=self.edited(start), name=name, automatically_allocated=automatic,
                     file_name=name.lower().replace(" ", "_") + ".png",
                     regarding_form_uuid=asks["uuid"] if asks else "")
            if asks:
                asks["badge_name"] = name
        self.badges = [b["uuid"] for b in self.tables["badge"]]
        for name, fields in _ASSET_TYPES:
            asset_type = self.add("assettype", edit_date=self.edited(start), name=name)
            for order, (field, field_type) in enumerate(fields, start=1):
                self.add("assettypefield", edit_date=asset_type["edit_date"], asset_type_uuid=asset_type["uuid"],
                         name=field,
                         field_data={"fieldType": field_type, "mandatory": order == 1}, sort_order=order)
        for name, article_type, tags in _ARTICLES:
            self.add("knowledgearticle", edit_date=self.edited(start), name=name, article_type=article_type,
                     tags=tags, content=f"<h1>{name}</h1><p>Steps, photos and the checks to make.</p>",
                     relationships=[])

    def materials(self) -> None:
        """The catalogue, a labour rate for every staff member (their ``labour_material_uuid``), and bundles."""
        rng, start = self.rng, self.start
        self.catalogue: list[Record] = []
        for n, (name, price, inventoried) in enumerate(_CATALOGUE, start=1):
            self.catalogue.append(self.add(
                "material", edit_date=self.edited(start), name=name, item_number=f"MAT-{n:04d}", price=_money(price),
                cost=_money(price * rng.uniform(0.5, 0.7)),
                quantity_in_stock=float(self.whole(0, 120)) if inventoried else 0.0,
                price_includes_taxes=0, barcode=f"93{rng.randrange(10 ** 11):011d}" if inventoried else "",
                item_is_inventoried=inventoried, item_description=name, use_description_for_invoicing="0",
                tax_rate_uuid=self.gst))
        self.labour: dict[str, Record] = {}
        for n, person in enumerate(self.staff, start=1):
            wage = 30.0 if person["job_title"].startswith("Apprentice") else self.pick((42.0, 45.0, 48.0, 52.0))
            self.labour[person["uuid"]] = self.add(
                "material", uuid=person["labour_material_uuid"], edit_date=self.edited(start),
                name=f"Labour ({person['first']} {person['last']})", item_number=f"LAB-{n:03d}",
                price=_money(_LABOUR_RATE), cost=_money(wage), price_includes_taxes=0, item_is_inventoried=0,
                item_description=f"{person['job_title']}, per hour", use_description_for_invoicing="0",
                tax_rate_uuid=self.gst)
        for item_number, name, parts in _BUNDLES:
            self.add("materialbundle", edit_date=self.edited(start), item_number=item_number, name=name,
                     material_list=[{"uuid": self.catalogue[i]["uuid"], "quantity": q} for i, q in parts])

    # --- per client ----------------------------------------------------------------------------
    def clients(self) -> None:
        rng = self.rng
        self.primary: dict[str, Record] = {}
        asset_types = self.tables["assettype"]
        fields_of: dict[str, list[Record]] = defaultdict(list)
        for field in self.tables["assettypefield"]:
            fields_of[field["asset_type_uuid"]].append(field)
        for company in self.account.tables["company"]:
            edited = _when(company["edit_date"]) or self.start
            if company["is_individual"] == "1":
                first, _, last = company["name"].partition(" ")
                people = [(first, last, "BILLING")]
            else:
                people = [(*self.person(), "BILLING")] + [(*self.person(), self.pick(_CONTACT_TYPES_OF_BUSINESS))
                                                           for _ in range(self.pick((0, 1, 1, 2)))]
            for n, (first, last, kind) in enumerate(people):
                domain = company["website"].removeprefix("www.") or "example.com.au"
                contact = self.add("companycontact", active=self.active(), edit_date=self.edited(edited),
                                   company_uuid=company["uuid"], first=first, last=last,
                                   phone=self.phone() if rng.random() < 0.4 else "", mobile=self.mobile(),
                                   email=f"{first}.{last}@{domain}".lower().replace("'", ""), type=kind,
                                   is_primary_contact="1" if n == 0 else "0")
                if n == 0:
                    self.primary[company["uuid"]] = contact
            if rng.random() < 0.1 and company["active"] == 1:
                asset_type = self.pick(asset_types)
                when = self.between(self.start, self.now)
                values = [{"uuid": f["uuid"], "fieldType": f["field_data"]["fieldType"], "fieldName": f["name"],
                           "fieldValue": self._asset_value(f["field_data"]["fieldType"], when),
                           "sortOrder": f["sort_order"]} for f in fields_of[asset_type["uuid"]]]
                self.add("asset", edit_date=self.edited(when), company_uuid=company["uuid"],
                         asset_code=f"A{len(self.tables['asset']) + 10001}", asset_type_uuid=asset_type["uuid"],
                         name=f"{asset_type['name']}, {company['address_street']}",
                         lat=round(-37.81 + rng.uniform(-0.15, 0.15), 6),
                         lng=round(144.96 + rng.uniform(-0.15, 0.15), 6),
                         geo_timestamp=_ts(when), altitude=float(self.whole(5, 90)), field_data=values)

    def _asset_value(self, field_type: str, when: datetime) -> str:
        if field_type == "Date":
            return f"{when - timedelta(days=self.whole(30, 3000)):%Y-%m-%d}"
        if field_type == "Number":
            return str(self.pick((10, 20, 25, 160, 250, 315)))
        return self.pick(_ASSET_BRANDS)

    # --- per job -------------------------------------------------------------------------------
    def jobs(self) -> None:
        tables = self.account.tables
        visits: dict[str, list[Record]] = defaultdict(list)
        for activity in tables["jobactivity"]:
            visits[activity["job_uuid"]].append(activity)
        companies = {c["uuid"]: c for c in tables["company"]}
        categories = {c["uuid"]: c["name"] for c in tables["category"]}
        for job in tables["job"]:
            self.job(job, visits.get(job["uuid"], []), companies[job["company_uuid"]],
                     categories.get(job["category_uuid"], ""))

    def job(self, job: Record, visits: list[Record], company: Record, category: str) -> None:
        rng, rates = self.rng, self.rates
        created = datetime.fromisoformat(job["date"]).replace(hour=8)
        status = job["status"]
        completed = _when(job["completion_date"])
        work_order = _when(job["work_order_date"])
        booked = [v for v in visits if v["activity_was_scheduled"] == "1"]
        recorded = [v for v in visits if v["activity_was_recorded"] == "1"]
        worker = booked[0]["staff_uuid"] if booked else self.pick(self.workers)
        until = completed or self.now
        if rng.random() < 0.15:
            chosen = rng.sample(self.badges, self.pick((1, 1, 1, 2)))
            job["badges"] = json.dumps(chosen, separators=(",", ":"))
        self.payments(job, work_order)
        if job["date"] < self.detail_from:
            return  # an old job of a large account: its payments, no more
        self.contacts(job, company, created)
        for _ in range(self.pick((1, 1, 2, 3)) if rng.random() < rates["notes"] else 0):
            when = self.between(created, until)
            action = rng.random() < 0.08
            done = action and rng.random() < 0.7
            self.add("note", active=self.active(), edit_date=self.edited(when), related_object="job",
                     related_object_uuid=job["uuid"], note=self.pick(_NOTES), action_required="1" if action else "0",
                     action_completed_by_staff_uuid=self.pick(self.office) if done else "",
                     edit_by_staff_uuid=self.pick(self.office), create_date=_ts(when))
        self.lines(job, status, booked, work_order, created)
        responses = self.forms_filled(job, recorded, category, completed)
        if status in ("Work Order", "Completed") and rng.random() < rates["checklist"]:
            self.checklist(job, worker, recorded, responses, completed, work_order or created)
        self.attachments(job, recorded, responses)
        if completed and rng.random() < 0.12:
            when = min(completed + timedelta(days=self.whole(0, 6), hours=self.whole(1, 8)), self.now)
            rating = self.pick(_RATINGS)
            self.add("feedback", edit_date=self.edited(when), timestamp=_ts(when), related_object="job",
                     related_object_uuid=job["uuid"], rating=rating, comment=self.pick(_FEEDBACK[rating]))
        if rng.random() < rates["task"]:
            self.task(job, worker, created, until)
        if rng.random() < rates["message"]:
            sent = self.between(created, until)
            delivered = min(sent + timedelta(seconds=self.whole(2, 90)), self.now)
            read = sent + timedelta(minutes=self.whole(1, 240))
            sender = self.office[0] if worker != self.office[0] else self.office[1]
            self.add("staffmessage", edit_date=self.edited(sent), from_staff_uuid=sender,
                     to_staff_uuid=worker, sent_timestamp=_ts(sent), delivered_timestamp=_ts(delivered),
                     read_timestamp=_ts(read) if read < self.now else ZERO,
                     message=f"Job {job['generated_job_id']}: {self.pick(_MESSAGES)}",
                     regarding_job_uuid=job["uuid"])

    def contacts(self, job: Record, company: Record, created: datetime) -> None:
        rng = self.rng
        edited = self.edited(created)
        if rng.random() < self.rates["site_contact"]:
            primary = self.primary.get(company["uuid"])
            if company["is_individual"] == "1" and primary is not None and rng.random() < 0.8:
                first, last, email = primary["first"], primary["last"], primary["email"]
            else:
                first, last = self.person()
                email = f"{first}.{last}@example.com".lower().replace("'", "") if rng.random() < 0.6 else ""
            unreachable = rng.random() < 0.08  # no phone number at all
            self.add("jobcontact", active=self.active(0.01), edit_date=edited, job_uuid=job["uuid"], first=first,
                     last=last, phone="" if unreachable or rng.random() < 0.7 else self.phone(),
                     mobile="" if unreachable else self.mobile(), email=email, type="JOB", is_primary_contact="0")
        if company["is_individual"] == "0" and rng.random() < self.rates["billing_contact"]:
            first, last = self.person()
            self.add("jobcontact", edit_date=edited, job_uuid=job["uuid"], first=first, last=last,
                     phone=self.phone(), mobile="", email=f"accounts@{company['website'].removeprefix('www.')}"
                     if company["website"] else "", type=self.pick(("BILLING", "Property Manager")),
                     is_primary_contact="0")

    def lines(self, job: Record, status: str, booked: list[Record], work_order: datetime | None,
              created: datetime) -> None:
        """The job's material and labour lines (``jobmaterial``), and sometimes a bundle of them."""
        rng = self.rng
        if status in ("Quote", "Unsuccessful") and rng.random() >= self.rates["quote_lines"]:
            return
        edited = self.edited(work_order or created)
        hours: dict[str, float] = defaultdict(float)
        if status in ("Work Order", "Completed"):
            since = _ts(work_order) if work_order else ""
            for visit in booked:
                if visit["start_date"] >= since:
                    begin, end = datetime.fromisoformat(visit["start_date"]), datetime.fromisoformat(visit["end_date"])
                    hours[visit["staff_uuid"]] += (end - begin).total_seconds() / 3600
        else:
            hours[booked[0]["staff_uuid"] if booked else self.pick(self.workers)] = float(self.pick((1, 2, 2, 3, 4)))
        order = 0
        labour = 0.0
        for staff_uuid, spent in hours.items():
            rate = self.labour.get(staff_uuid)
            if rate is None or spent <= 0:
                continue
            order += 1
            labour += spent * _LABOUR_RATE
            self._line(job, rate, spent, _LABOUR_RATE, order, edited)
        parts = rng.sample(self.catalogue, self.pick((1, 1, 2)))
        total = float(job["total_invoice_amount"] or 0)
        if status == "Completed" and total > 0:
            remainder = round(total - labour, 2)  # what synth priced beyond the hours: the materials
            for part in parts[:-1]:
                price = float(part["price"])
                if price < remainder - 5:
                    order += 1
                    remainder = round(remainder - price, 2)
                    self._line(job, part, 1, price, order, edited)
            if remainder >= 1:
                order += 1
                self._line(job, parts[-1], 1, remainder, order, edited)
            return
        if rng.random() < 0.04:
            self.bundle(job, order, edited)
            return
        for part in parts:
            order += 1
            quantity = self.pick((1, 1, 2, 3)) if "per m" not in part["name"] else self.pick((2, 3.5, 6, 12))
            self._line(job, part, quantity, float(part["price"]), order, edited)

    def _line(self, job: Record, material: Record, quantity: float, price: float, order: int, edited: str,
              bundle: str = "") -> None:
        cost = float(material["cost"]) if material["cost"] else 0.0
        self.add("jobmaterial", active=self.active(0.01), edit_date=edited, job_uuid=job["uuid"],
                 material_uuid=material["uuid"], name=material["name"], quantity=_number(round(quantity, 2)),
                 price=_money(price), displayed_amount=_money(price), displayed_amount_is_tax_inclusive="0",
                 tax_rate_uuid=self.gst, sort_order=str(order), cost=_money(cost), displayed_cost=_money(cost),
                 job_material_bundle_uuid=bundle)

    def bundle(self, job: Record, order: int, edited: str) -> None:
        bundle = self.pick(self.tables["materialbundle"])
        item = self.add("jobmaterialbundle", edit_date=edited, item_number=bundle["item_number"], name=bundle["name"],
                        quantity="1", sort_order=order + 1, material_bundle_uuid=bundle["uuid"], job_uuid=job["uuid"])
        by_uuid = {m["uuid"]: m for m in self.catalogue}
        for n, part in enumerate(bundle["material_list"], start=order + 1):
            material = by_uuid[part["uuid"]]
            self._line(job, material, part["quantity"], float(material["price"]), n, edited, bundle=item["uuid"])

    def forms_filled(self, job: Record, recorded: list[Record], category: str,
                     completed: datetime | None) -> list[tuple[int, Record]]:
        """Forms filled in on the job's visits (the visit's staff member, while on site)."""
        rng = self.rng
        filled: list[tuple[int, Record]] = []
        for n, visit in enumerate(recorded):
            last = n == len(recorded) - 1
            chosen = [0] if rng.random() < self.rates["forms"] else []
            if last and completed:
                if category in _CERTIFICATE and rng.random() < 0.6:
                    chosen.append(_CERTIFICATE[category])
                if rng.random() < self.rates["forms"]:
                    chosen.append(3)
            for index in chosen:
                begin, end = datetime.fromisoformat(visit["start_date"]), datetime.fromisoformat(visit["end_date"])
                when = min(self.between(begin, end), self.now)
                answers = [{"question": q, "answer": self._answer(q)} for q in self.form_questions[index]]
                response = self.add("formresponse", edit_date=self.edited(when), form_uuid=self.forms[index]["uuid"],
                                    staff_uuid=visit["staff_uuid"], regarding_object="job",
                                    regarding_object_uuid=job["uuid"], field_data=json.dumps(answers),
                                    timestamp=_ts(when), form_by_staff_uuid=visit["staff_uuid"])
                filled.append((index, response))
        return filled

    def _answer(self, question: str) -> str:
        if question == "Signature":
            return "signed"
        if question in ("Customer name", "Appliance", "Unit make", "Circuits tested", "Hazards identified"):
            return {"Customer name": " ".join(self.person()), "Appliance": "Cooktop", "Unit make": "Rheem",
                    "Circuits tested": "All", "Hazards identified": "Working at height"}[question]
        if question == "Certificate number":
            return f"C{self.whole(100000, 999999)}"
        if question in ("RCD trip time (ms)", "Thermostat setting"):
            return str(self.whole(12, 30) if question.startswith("RCD") else self.pick((50, 60, 65)))
        return self.pick(("Yes", "Yes", "Yes", "No"))

    def checklist(self, job: Record, worker: str, recorded: list[Record], responses: list[tuple[int, Record]],
                  completed: datetime | None, assigned: datetime) -> None:
        rng = self.rng
        items = sorted(rng.sample(range(len(_CHECKLIST)), self.whole(2, 5)))
        assigner = self.office[-1]
        done_by = {index: response for index, response in responses}
        for order, i in enumerate(items, start=1):
            section, name, item_type = _CHECKLIST[i]
            form_index = (0 if section == "Before starting" else 3) if item_type == "Form" else None
            response = done_by.get(form_index) if form_index is not None else None
            visit = self.pick(recorded) if recorded else None
            done = visit is not None and (completed is not None or rng.random() < 0.5)
            when = min(datetime.fromisoformat(visit["end_date"]), self.now) if done and visit else None
            reminder = "CHECK_IN" if section == "Before starting" else "CHECK_OUT"
            if item_type == "Todo" and rng.random() < 0.2:
                reminder = "RELATIVE_DATETIME"  # two hours before the next booking
            self.add("jobchecklist", edit_date=self.edited(assigned, when), job_uuid=job["uuid"], name=name,
                     section_name=section, item_type=item_type, sort_order=order,
                     completed_timestamp=_ts(when) if when else ZERO,
                     completed_by_staff_uuid=visit["staff_uuid"] if when and visit else "",
                     completed_during_checkin_uuid=visit["uuid"] if when and visit else "",
                     reminder_type=reminder, reminder_data=_REMINDER_DATA if reminder == "RELATIVE_DATETIME" else "",
                     regarding_object="Form" if form_index is not None else "",
                     regarding_object_uuid=self.forms[form_index]["uuid"] if form_index is not None else "",
                     fulfilled_by_object_name="FormResponse" if response and when else "",
                     fulfilled_by_object_uuid=response["uuid"] if response and when else "",
                     assigned_to_staff_uuids=[worker], is_locked=0, assigned_timestamp=_ts(assigned),
                     assigned_by_staff_uuid=assigner)

    def payments(self, job: Record, work_order: datetime | None) -> None:
        """A paid job's payments: its invoice in one payment, or a deposit and the balance."""
        paid = _when(job["payment_received_stamp"]) if job["payment_received"] == 1 else None
        if paid is None:
            return
        rng = self.rng
        total = round(float(job["total_invoice_amount"] or 0), 2)
        method = self.pick(_PAYMENT_METHODS)
        if work_order is not None and total > 500 and rng.random() < 0.15:
            deposit = round(total * 0.3, 2)
            when = min(work_order + timedelta(days=1), paid)
            self.add("jobpayment", edit_date=self.edited(when), job_uuid=job["uuid"], actioned_by_uuid=self.office[-1],
                     timestamp=_ts(when), amount=_money(deposit), method=method, note="Deposit", is_deposit=1)
            total = round(total - deposit, 2)
        self.add("jobpayment", edit_date=self.edited(paid), job_uuid=job["uuid"], actioned_by_uuid=self.office[-1],
                 timestamp=_ts(paid), amount=_money(total), method=method, note="", is_deposit=0)

    def attachments(self, job: Record, recorded: list[Record], responses: list[tuple[int, Record]]) -> None:
        rng = self.rng
        number = job["generated_job_id"]
        for source, sent_field, flag in (("QUOTE", "quote_sent_stamp", "quote_sent"),
                                         ("INVOICE", "invoice_sent_stamp", "invoice_sent")):
            when = _when(job[sent_field]) if job[flag] == 1 else None
            if when is not None and rng.random() < self.rates["documents"]:
                when = min(when, self.now)  # (a quote sent in the last two hours is stamped ahead of now)
                self.add("attachment", edit_date=self.edited(when), related_object="job",
                         related_object_uuid=job["uuid"], attachment_name=f"{source.title()} {number}.pdf",
                         file_type=".pdf", attachment_source=source, is_favourite="0",
                         created_by_staff_uuid=self.office[-1], timestamp=_ts(when))
        for visit in recorded:
            if rng.random() >= self.rates["photos"]:
                continue
            begin, end = datetime.fromisoformat(visit["start_date"]), datetime.fromisoformat(visit["end_date"])
            for tag, when in (("before", begin), ("after", end)):
                when = min(when, self.now)
                self.add("attachment", active=self.active(), edit_date=self.edited(when), related_object="job",
                         related_object_uuid=job["uuid"], attachment_name=f"Photo {tag} {number}.jpg",
                         file_type=".jpg", tags=tag, lat=job["lat"], lng=job["lng"], photo_width="4032",
                         photo_height="3024", is_favourite="1" if rng.random() < 0.05 else "0",
                         created_by_staff_uuid=visit["staff_uuid"], timestamp=_ts(when))
        for index, response in responses:
            if index in _CERTIFICATE.values():
                document = self.add("attachment", edit_date=response["edit_date"], related_object="job",
                                    related_object_uuid=job["uuid"],
                                    attachment_name=f"{self.forms[index]['name']} {number}.pdf", file_type=".pdf",
                                    attachment_source="FORM", is_favourite="0",
                                    created_by_staff_uuid=response["staff_uuid"], timestamp=response["timestamp"])
                response["document_attachment_uuid"] = document["uuid"]

    def task(self, job: Record, worker: str, created: datetime, until: datetime) -> None:
        rng = self.rng
        made = self.between(created, until)
        due = made + timedelta(days=self.whole(1, 14))
        done = due < self.now and rng.random() < 0.8
        finished = min(made + timedelta(days=self.whole(0, 10), hours=self.whole(1, 6)), self.now) if done else None
        assignee = self.pick((worker, worker, *self.office))
        self.add("task", active=self.active(), edit_date=self.edited(made, finished), due_date=f"{due:%Y-%m-%d}",
                 task_details=f"For job {job['generated_job_id']}: {job['job_description']}",
                 name=self.pick(_TASKS), related_object="job", related_object_uuid=job["uuid"],
                 task_complete="1" if done else "0", completed_timestamp=_ts(finished) if finished else ZERO,
                 completed_by_staff_uuid=assignee if finished else "", assigned_to_staff_uuid=assignee,
                 created_by_staff_uuid=self.pick(self.office), create_date=_ts(made))

    def staff_messages(self) -> None:
        """Messages between staff members about nothing in particular (the job ones come with their jobs)."""
        rng = self.rng
        people = [s["uuid"] for s in self.staff if s["active"] == 1]
        if len(people) < 2:
            return
        for _ in range(len(people) * 4):
            sender, receiver = rng.sample(people, 2)
            sent = self.between(self.now - timedelta(days=60), self.now)
            read = sent + timedelta(minutes=self.whole(1, 300))
            self.add("staffmessage", edit_date=self.edited(sent), from_staff_uuid=sender, to_staff_uuid=receiver,
                     sent_timestamp=_ts(sent), delivered_timestamp=_ts(min(sent + timedelta(seconds=5), self.now)),
                     read_timestamp=_ts(read) if read < self.now else ZERO, message=self.pick(_MESSAGES))

    def relate_articles(self) -> None:
        """Two knowledge articles point at jobs of their kind (the rest stand alone)."""
        jobs = self.account.tables["job"]
        for article, words in zip(self.tables["knowledgearticle"][:2], ("gas", "hot water"), strict=True):
            found = [j for j in jobs if words in j["job_description"].lower()][:2]
            article["relationships"] = [{"object_name": "job", "object_uuid": j["uuid"],
                                         "object_description": f"Job {j['generated_job_id']}",
                                         "create_date": j["edit_date"]} for j in found]


def add_extras(account: Account) -> Account:
    """Add the tables of ``EXTRA_RESOURCES`` to ``account`` (built by ``build_account``), and badges to its jobs.

    Deterministic from the account's seed and scale; the account's eight schedule tables are left as
    they are but for ``job.badges``.
    """
    extras = _Extras(account)
    extras.reference()
    extras.materials()
    extras.clients()
    extras.jobs()
    extras.staff_messages()
    extras.relate_articles()
    account.tables.update(extras.tables)
    return account

