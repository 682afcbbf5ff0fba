"""What each EN 16931 business rule requires, in one sentence per rule id: the words a reader sees
for a BR-* finding, translated (gettext) into the reader's language.

The rules (``rules.py``) report each failure with the figures of the document in English (kept
as the finding's English message); these statements are how the same finding reads in any
language, by its rule id. The portal's own wording (not copied from the CEN artefacts).
"""

from django.utils.translation import gettext_noop

from core.texts import register

STATEMENTS = {
    "BR-01": gettext_noop("The specification identifier (BT-24) is missing."),
    "BR-02": gettext_noop("The invoice number (BT-1) is missing."),
    "BR-03": gettext_noop("The invoice issue date (BT-2) is missing."),
    "BR-04": gettext_noop("The invoice type code (BT-3) is missing."),
    "BR-05": gettext_noop("The invoice currency code (BT-5) is missing."),
    "BR-06": gettext_noop("The seller name (BT-27) is missing."),
    "BR-07": gettext_noop("The buyer name (BT-44) is missing."),
    "BR-08": gettext_noop("The seller postal address (BG-5) is missing."),
    "BR-10": gettext_noop("The buyer postal address (BG-8) is missing."),
    "BR-16": gettext_noop("The invoice has no invoice line (BG-25)."),
    "BR-CO-03": gettext_noop(
        "A VAT point date (BT-7) and a VAT point date code (BT-8) are mutually exclusive."
    ),
    "BR-CO-18": gettext_noop("The invoice has no VAT breakdown (BG-23)."),
    "BR-66": gettext_noop("The invoice gives more than one payment card (BG-18)."),
    "BR-67": gettext_noop("The invoice gives more than one direct debit mandate (BG-19)."),
    "BR-53": gettext_noop(
        "With a VAT accounting currency (BT-6), the invoice total VAT amount in accounting currency (BT-111) must be given."
    ),
    "BR-09": gettext_noop("The seller address has no country code (BT-40)."),
    "BR-11": gettext_noop("The buyer address has no country code (BT-55)."),
    "BR-20": gettext_noop("The seller tax representative address has no country code (BT-69)."),
    "BR-18": gettext_noop("The seller tax representative has no name (BT-62)."),
    "BR-19": gettext_noop("The seller tax representative has no postal address (BG-12)."),
    "BR-56": gettext_noop("The seller tax representative has no VAT identifier (BT-63)."),
    "BR-57": gettext_noop("The deliver-to address has no country code (BT-80)."),
    "BR-17": gettext_noop("A payee (BG-10) other than the seller needs a name (BT-59)."),
    "BR-CO-26": gettext_noop(
        "The seller has no identifier (BT-29), legal registration identifier (BT-30) or VAT identifier (BT-31)."
    ),
    "BR-62": gettext_noop("The seller electronic address (BT-34) has no scheme identifier."),
    "BR-63": gettext_noop("The buyer electronic address (BT-49) has no scheme identifier."),
    "BR-CO-09": gettext_noop("A VAT identifier must start with an ISO 3166-1 country code (or EL)."),
    "BR-12": gettext_noop("The sum of invoice line net amounts (BT-106) is missing."),
    "BR-13": gettext_noop("The invoice total amount without VAT (BT-109) is missing."),
    "BR-14": gettext_noop("The invoice total amount with VAT (BT-112) is missing."),
    "BR-15": gettext_noop("The amount due for payment (BT-115) is missing."),
    "BR-CO-10": gettext_noop(
        "The sum of invoice line net amounts (BT-106) must equal the sum of the invoice line net amounts (BT-131)."
    ),
    "BR-CO-11": gettext_noop(
        "The sum of allowances (BT-107) must equal the sum of the document level allowance amounts (BT-92)."
    ),
    "BR-CO-12": gettext_noop(
        "The sum of charges (BT-108) must equal the sum of the document level charge amounts (BT-99)."
    ),
    "BR-CO-13": gettext_noop(
        "The total without VAT (BT-109) must be the sum of line net amounts (BT-106) minus allowances (BT-107) plus charges (BT-108)."
    ),
    "BR-CO-16": gettext_noop(
        "The amount due for payment (BT-115) must be the total with VAT (BT-112) minus the paid amount (BT-113) plus the rounding amount (BT-114)."
    ),
    "BR-CO-15": gettext_noop(
        "The total with VAT (BT-112) must be the total without VAT (BT-109) plus the invoice total VAT amount (BT-110)."
    ),
    "BR-CO-14": gettext_noop(
        "The invoice total VAT amount (BT-110) must equal the sum of the VAT category tax amounts (BT-117)."
    ),
    "BR-21": gettext_noop("An invoice line has no line identifier (BT-126)."),
    "BR-22": gettext_noop("Each invoice line must have an invoiced quantity (BT-129)."),
    "BR-23": gettext_noop("Each invoice line must have a unit of measure (BT-130)."),
    "BR-24": gettext_noop("Each invoice line must have a line net amount (BT-131)."),
    "BR-25": gettext_noop("Each invoice line must have an item name (BT-153)."),
    "BR-26": gettext_noop("Each invoice line must have an item net price (BT-146)."),
    "BR-27": gettext_noop("The item net price (BT-146) must not be negative."),
    "BR-28": gettext_noop("The item gross price (BT-148) must not be negative."),
    "BR-CO-04": gettext_noop("Each invoice line must have a VAT category code (BT-151)."),
    "BR-64": gettext_noop("An item standard identifier (BT-157) must have a scheme identifier."),
    "BR-65": gettext_noop("An item classification identifier (BT-158) must have a scheme identifier."),
    "BR-54": gettext_noop("Each item attribute (BG-32) must have a name and a value."),
    "BR-29": gettext_noop("The invoicing period must not end before it starts."),
    "BR-CO-19": gettext_noop("The invoicing period (BG-14) has neither a start nor an end date."),
    "BR-30": gettext_noop("An invoice line period must not end before it starts."),
    "BR-CO-20": gettext_noop("An invoice line period (BG-26) has neither a start nor an end date."),
    "BR-31": gettext_noop("A document level allowance has no amount."),
    "BR-32": gettext_noop("A document level allowance has no VAT category code."),
    "BR-33": gettext_noop("A document level allowance has neither a reason nor a reason code."),
    "BR-CO-21": gettext_noop("A document level allowance has neither a reason nor a reason code."),
    "BR-36": gettext_noop("A document level charge has no amount."),
    "BR-37": gettext_noop("A document level charge has no VAT category code."),
    "BR-38": gettext_noop("A document level charge has neither a reason nor a reason code."),
    "BR-CO-22": gettext_noop("A document level charge has neither a reason nor a reason code."),
    "BR-41": gettext_noop("A invoice line allowance has no amount."),
    "BR-42": gettext_noop("A invoice line allowance has neither a reason nor a reason code."),
    "BR-CO-23": gettext_noop("A invoice line allowance has neither a reason nor a reason code."),
    "BR-43": gettext_noop("A invoice line charge has no amount."),
    "BR-44": gettext_noop("A invoice line charge has neither a reason nor a reason code."),
    "BR-CO-24": gettext_noop("A invoice line charge has neither a reason nor a reason code."),
    "BR-45": gettext_noop("Each VAT breakdown (BG-23) must have a taxable amount (BT-116)."),
    "BR-46": gettext_noop("Each VAT breakdown (BG-23) must have a tax amount (BT-117)."),
    "BR-47": gettext_noop("A VAT breakdown has no VAT category code (BT-118)."),
    "BR-48": gettext_noop("Each VAT breakdown (BG-23) must have a VAT rate (BT-119), except for category O."),
    "BR-CO-17": gettext_noop(
        "The tax amount of a VAT breakdown (BT-117) must be its taxable amount (BT-116) times its rate (BT-119)."
    ),
    "BR-49": gettext_noop("A payment instruction has no payment means type code (BT-81)."),
    "BR-50": gettext_noop("A credit transfer account has no payment account identifier (BT-84)."),
    "BR-61": gettext_noop("A credit transfer needs a payment account identifier (BT-84)."),
    "BR-51": gettext_noop(
        "The invoice should not carry a full card number (BT-87); at most the first 6 and last 4 digits."
    ),
    "BR-52": gettext_noop("A supporting document (BG-24) has no reference (BT-122)."),
    "BR-55": gettext_noop("A preceding invoice reference (BG-3) has no invoice number (BT-25)."),
    "BR-S-03": gettext_noop(
        "VAT category S (Standard rated) on a document level allowance needs the seller VAT or tax registration identifier (or tax representative's)."
    ),
    "BR-S-04": gettext_noop(
        "VAT category S (Standard rated) on a document level charge needs the seller VAT or tax registration identifier (or tax representative's)."
    ),
    "BR-S-05": gettext_noop("An invoice line of VAT category S must have a rate above zero."),
    "BR-S-06": gettext_noop("An allowance of VAT category S must have a rate above zero."),
    "BR-S-07": gettext_noop("A charge of VAT category S must have a rate above zero."),
    "BR-S-08": gettext_noop(
        "The taxable amount of the VAT breakdown for category S (Standard rated) must equal the lines, allowances and charges of that category."
    ),
    "BR-S-09": gettext_noop(
        "The tax amount of the VAT breakdown for category S (Standard rated) must be the taxable amount times the rate."
    ),
    "BR-S-10": gettext_noop(
        "The VAT breakdown for category S (Standard rated) must not have a VAT exemption reason."
    ),
    "BR-Z-01": gettext_noop(
        "Lines, allowances or charges with VAT category Z (Zero rated) need exactly one VAT breakdown entry for it."
    ),
    "BR-Z-02": gettext_noop(
        "VAT category Z (Zero rated) on an invoice line needs the seller VAT or tax registration identifier (or tax representative's)."
    ),
    "BR-Z-03": gettext_noop(
        "VAT category Z (Zero rated) on a document level allowance needs the seller VAT or tax registration identifier (or tax representative's)."
    ),
    "BR-Z-04": gettext_noop(
        "VAT category Z (Zero rated) on a document level charge needs the seller VAT or tax registration identifier (or tax representative's)."
    ),
    "BR-Z-05": gettext_noop("An invoice line of VAT category Z must have a rate of zero."),
    "BR-Z-06": gettext_noop("An allowance of VAT category Z must have a rate of zero."),
    "BR-Z-07": gettext_noop("A charge of VAT category Z must have a rate of zero."),
    "BR-Z-08": gettext_noop(
        "The taxable amount of the VAT breakdown for category Z (Zero rated) must equal the lines, allowances and charges of that category."
    ),
    "BR-Z-09": gettext_noop("The tax amount of the VAT breakdown for category Z (Zero rated) must be zero."),
    "BR-Z-10": gettext_noop(
        "The VAT breakdown for category Z (Zero rated) must not have a VAT exemption reason."
    ),
    "BR-E-01": gettext_noop(
        "Lines, allowances or charges with VAT category E (Exempt from VAT) need exactly one VAT breakdown entry for it."
    ),
    "BR-E-02": gettext_noop(
        "VAT category E (Exempt from VAT) on an invoice line needs the seller VAT or tax registration identifier (or tax representative's)."
    ),
    "BR-E-03": gettext_noop(
        "VAT category E (Exempt from VAT) on a document level allowance needs the seller VAT or tax registration identifier (or tax representative's)."
    ),
    "BR-E-04": gettext_noop(
        "VAT category E (Exempt from VAT) on a document level charge needs the seller VAT or tax registration identifier (or tax representative's)."
    ),
    "BR-E-05": gettext_noop("An invoice line of VAT category E must have a rate of zero."),
    "BR-E-06": gettext_noop("An allowance of VAT category E must have a rate of zero."),
    "BR-E-07": gettext_noop("A charge of VAT category E must have a rate of zero."),
    "BR-E-08": gettext_noop(
        "The taxable amount of the VAT breakdown for category E (Exempt from VAT) must equal the lines, allowances and charges of that category."
    ),
    "BR-E-09": gettext_noop(
        "The tax amount of the VAT breakdown for category E (Exempt from VAT) must be zero."
    ),
    "BR-E-10": gettext_noop(
        "The VAT breakdown for category E (Exempt from VAT) needs a VAT exemption reason or code."
    ),
    "BR-AE-01": gettext_noop(
        "Lines, allowances or charges with VAT category AE (Reverse charge) need exactly one VAT breakdown entry for it."
    ),
    "BR-AE-02": gettext_noop(
        "VAT category AE (Reverse charge) on an invoice line needs the seller VAT or tax registration identifier and the buyer VAT or legal identifier."
    ),
    "BR-AE-03": gettext_noop(
        "VAT category AE (Reverse charge) on a document level allowance needs the seller VAT or tax registration identifier and the buyer VAT or legal identifier."
    ),
    "BR-AE-04": gettext_noop(
        "VAT category AE (Reverse charge) on a document level charge needs the seller VAT or tax registration identifier and the buyer VAT or legal identifier."
    ),
    "BR-AE-05": gettext_noop("An invoice line of VAT category AE must have a rate of zero."),
    "BR-AE-06": gettext_noop("An allowance of VAT category AE must have a rate of zero."),
    "BR-AE-07": gettext_noop("A charge of VAT category AE must have a rate of zero."),
    "BR-AE-08": gettext_noop(
        "The taxable amount of the VAT breakdown for category AE (Reverse charge) must equal the lines, allowances and charges of that category."
    ),
    "BR-AE-09": gettext_noop(
        "The tax amount of the VAT breakdown for category AE (Reverse charge) must be zero."
    ),
    "BR-AE-10": gettext_noop(
        "The VAT breakdown for category AE (Reverse charge) needs a VAT exemption reason or code."
    ),
    "BR-IC-01": gettext_noop(
        "Lines, allowances or charges with VAT category K (Intra-community supply) need exactly one VAT breakdown entry for it."
    ),
    "BR-IC-02": gettext_noop(
        "VAT category K (Intra-community supply) on an invoice line needs the seller VAT identifier (or tax representative's) and the buyer VAT identifier."
    ),
    "BR-IC-03": gettext_noop(
        "VAT category K (Intra-community supply) on a document level allowance needs the seller VAT identifier (or tax representative's) and the buyer VAT identifier."
    ),
    "BR-IC-04": gettext_noop(
        "VAT category K (Intra-community supply) on a document level charge needs the seller VAT identifier (or tax representative's) and the buyer VAT identifier."
    ),
    "BR-IC-05": gettext_noop("An invoice line of VAT category K must have a rate of zero."),
    "BR-IC-06": gettext_noop("An allowance of VAT category K must have a rate of zero."),
    "BR-IC-07": gettext_noop("A charge of VAT category K must have a rate of zero."),
    "BR-IC-08": gettext_noop(
        "The taxable amount of the VAT breakdown for category K (Intra-community supply) must equal the lines, allowances and charges of that category."
    ),
    "BR-IC-09": gettext_noop(
        "The tax amount of the VAT breakdown for category K (Intra-community supply) must be zero."
    ),
    "BR-IC-10": gettext_noop(
        "The VAT breakdown for category K (Intra-community supply) needs a VAT exemption reason or code."
    ),
    "BR-G-01": gettext_noop(
        "Lines, allowances or charges with VAT category G (Export outside the EU) need exactly one VAT breakdown entry for it."
    ),
    "BR-G-02": gettext_noop(
        "VAT category G (Export outside the EU) on an invoice line needs the seller VAT identifier (or tax representative's)."
    ),
    "BR-G-03": gettext_noop(
        "VAT category G (Export outside the EU) on a document level allowance needs the seller VAT identifier (or tax representative's)."
    ),
    "BR-G-04": gettext_noop(
        "VAT category G (Export outside the EU) on a document level charge needs the seller VAT identifier (or tax representative's)."
    ),
    "BR-G-05": gettext_noop("An invoice line of VAT category G must have a rate of zero."),
    "BR-G-06": gettext_noop("An allowance of VAT category G must have a rate of zero."),
    "BR-G-07": gettext_noop("A charge of VAT category G must have a rate of zero."),
    "BR-G-08": gettext_noop(
        "The taxable amount of the VAT breakdown for category G (Export outside the EU) must equal the lines, allowances and charges of that category."
    ),
    "BR-G-09": gettext_noop(
        "The tax amount of the VAT breakdown for category G (Export outside the EU) must be zero."
    ),
    "BR-G-10": gettext_noop(
        "The VAT breakdown for category G (Export outside the EU) needs a VAT exemption reason or code."
    ),
    "BR-O-01": gettext_noop(
        "Lines, allowances or charges with VAT category O (Not subject to VAT) need exactly one VAT breakdown entry for it."
    ),
    "BR-O-02": gettext_noop(
        "VAT category O (Not subject to VAT) on an invoice line must not carry the seller, tax representative or buyer VAT identifier."
    ),
    "BR-O-03": gettext_noop(
        "VAT category O (Not subject to VAT) on a document level allowance must not carry the seller, tax representative or buyer VAT identifier."
    ),
    "BR-O-04": gettext_noop(
        "VAT category O (Not subject to VAT) on a document level charge must not carry the seller, tax representative or buyer VAT identifier."
    ),
    "BR-O-05": gettext_noop("An invoice line of VAT category O must have no rate."),
    "BR-O-06": gettext_noop("An allowance of VAT category O must have no rate."),
    "BR-O-07": gettext_noop("A charge of VAT category O must have no rate."),
    "BR-O-08": gettext_noop(
        "The taxable amount of the VAT breakdown for category O (Not subject to VAT) must equal the lines, allowances and charges of that category."
    ),
    "BR-O-09": gettext_noop(
        "The tax amount of the VAT breakdown for category O (Not subject to VAT) must be zero."
    ),
    "BR-O-10": gettext_noop(
        "The VAT breakdown for category O (Not subject to VAT) needs a VAT exemption reason or code."
    ),
    "BR-AF-01": gettext_noop(
        "Lines, allowances or charges with VAT category L (IGIC (Canary Islands)) need at least one VAT breakdown entry for it."
    ),
    "BR-AF-02": gettext_noop(
        "VAT category L (IGIC (Canary Islands)) on an invoice line needs the seller VAT or tax registration identifier (or tax representative's)."
    ),
    "BR-AF-03": gettext_noop(
        "VAT category L (IGIC (Canary Islands)) on a document level allowance needs the seller VAT or tax registration identifier (or tax representative's)."
    ),
    "BR-AF-04": gettext_noop(
        "VAT category L (IGIC (Canary Islands)) on a document level charge needs the seller VAT or tax registration identifier (or tax representative's)."
    ),
    "BR-AF-05": gettext_noop("An invoice line of VAT category L must have a rate of zero or more."),
    "BR-AF-06": gettext_noop("An allowance of VAT category L must have a rate of zero or more."),
    "BR-AF-07": gettext_noop("A charge of VAT category L must have a rate of zero or more."),
    "BR-AF-08": gettext_noop(
        "The taxable amount of the VAT breakdown for category L (IGIC (Canary Islands)) must equal the lines, allowances and charges of that category."
    ),
    "BR-AF-09": gettext_noop(
        "The tax amount of the VAT breakdown for category L (IGIC (Canary Islands)) must be the taxable amount times the rate."
    ),
    "BR-AF-10": gettext_noop(
        "The VAT breakdown for category L (IGIC (Canary Islands)) must not have a VAT exemption reason."
    ),
    "BR-AG-01": gettext_noop(
        "Lines, allowances or charges with VAT category M (IPSI (Ceuta and Melilla)) need at least one VAT breakdown entry for it."
    ),
    "BR-AG-02": gettext_noop(
        "VAT category M (IPSI (Ceuta and Melilla)) on an invoice line needs the seller VAT or tax registration identifier (or tax representative's)."
    ),
    "BR-AG-03": gettext_noop(
        "VAT category M (IPSI (Ceuta and Melilla)) on a document level allowance needs the seller VAT or tax registration identifier (or tax representative's)."
    ),
    "BR-AG-04": gettext_noop(
        "VAT category M (IPSI (Ceuta and Melilla)) on a document level charge needs the seller VAT or tax registration identifier (or tax representative's)."
    ),
    "BR-AG-05": gettext_noop("An invoice line of VAT category M must have a rate of zero or more."),
    "BR-AG-06": gettext_noop("An allowance of VAT category M must have a rate of zero or more."),
    "BR-AG-07": gettext_noop("A charge of VAT category M must have a rate of zero or more."),
    "BR-AG-08": gettext_noop(
        "The taxable amount of the VAT breakdown for category M (IPSI (Ceuta and Melilla)) must equal the lines, allowances and charges of that category."
    ),
    "BR-AG-09": gettext_noop(
        "The tax amount of the VAT breakdown for category M (IPSI (Ceuta and Melilla)) must be the taxable amount times the rate."
    ),
    "BR-AG-10": gettext_noop(
        "The VAT breakdown for category M (IPSI (Ceuta and Melilla)) must not have a VAT exemption reason."
    ),
    "BR-S-01": gettext_noop(
        "Lines, allowances or charges use VAT category S (Standard rated) so the VAT breakdown must have at least one entry for it (and none without them)."
    ),
    "BR-S-02": gettext_noop(
        "VAT category S (Standard rated) on an invoice line needs the VAT scheme and the seller VAT or tax registration identifier (or tax representative's)."
    ),
    "BR-O-11": gettext_noop(
        "An invoice with a VAT breakdown 'Not subject to VAT' (O) must not have other VAT breakdowns."
    ),
    "BR-O-12": gettext_noop(
        "An invoice with a VAT breakdown 'Not subject to VAT' (O) must not have invoice lines of another VAT category."
    ),
    "BR-O-13": gettext_noop(
        "An invoice with a VAT breakdown 'Not subject to VAT' (O) must not have allowances of another VAT category."
    ),
    "BR-O-14": gettext_noop(
        "An invoice with a VAT breakdown 'Not subject to VAT' (O) must not have charges of another VAT category."
    ),
    "BR-IC-11": gettext_noop(
        "An intra-community supply (K) needs the actual delivery date (BT-72) or the invoicing period (BG-14)."
    ),
    "BR-IC-12": gettext_noop("An intra-community supply (K) needs the deliver-to country code (BT-80)."),
    "BR-CL-01": gettext_noop(
        "The document type code (BT-3) must be an UNTDID 1001 invoice or credit note type."
    ),
    "BR-CL-03": gettext_noop("The amount currency must be in its code list."),
    "BR-CL-04": gettext_noop("The invoice currency code must be in its code list."),
    "BR-CL-05": gettext_noop("The VAT accounting currency code must be in its code list."),
    "BR-CL-06": gettext_noop("The VAT point date code must be in its code list."),
    "BR-CL-10": gettext_noop("A party identifier scheme must be an ISO 6523 ICD code."),
    "BR-CL-11": gettext_noop("The legal registration identifier scheme must be in its code list."),
    "BR-CL-13": gettext_noop("The item classification scheme must be in its code list."),
    "BR-CL-14": gettext_noop("The country code must be in its code list."),
    "BR-CL-15": gettext_noop("The item country of origin must be in its code list."),
    "BR-CL-16": gettext_noop("The payment means code must be in its code list."),
    "BR-CL-17": gettext_noop("The VAT category code must be in its code list."),
    "BR-CL-18": gettext_noop("The invoice line VAT category code must be in its code list."),
    "BR-CL-19": gettext_noop("The allowance reason code must be in its code list."),
    "BR-CL-21": gettext_noop("The item standard identifier scheme must be in its code list."),
    "BR-CL-24": gettext_noop("The attachment MIME code must be in its code list."),
    "BR-CL-26": gettext_noop("The delivery location identifier scheme must be in its code list."),
    "BR-CL-07": gettext_noop("The object identifier scheme must be in its code list."),
    "BR-CL-08": gettext_noop("The note subject code must be in its code list."),
    "BR-CL-20": gettext_noop("The charge reason code must be in its code list."),
    "BR-CL-22": gettext_noop("The VAT exemption reason code must be in its code list."),
    "BR-CL-23": gettext_noop("The unit of measure code must be in its code list."),
    "BR-CL-25": gettext_noop("The electronic address scheme must be in its code list."),
    "BR-DEC-01": gettext_noop("The document level allowance amount (BT-92) must have at most 2 decimals."),
    "BR-DEC-02": gettext_noop(
        "The document level allowance base amount (BT-93) must have at most 2 decimals."
    ),
    "BR-DEC-05": gettext_noop("The document level charge amount (BT-99) must have at most 2 decimals."),
    "BR-DEC-06": gettext_noop("The document level charge base amount (BT-100) must have at most 2 decimals."),
    "BR-DEC-09": gettext_noop("The sum of invoice line net amounts (BT-106) must have at most 2 decimals."),
    "BR-DEC-10": gettext_noop("The sum of allowances (BT-107) must have at most 2 decimals."),
    "BR-DEC-11": gettext_noop("The sum of charges (BT-108) must have at most 2 decimals."),
    "BR-DEC-12": gettext_noop("The invoice total without VAT (BT-109) must have at most 2 decimals."),
    "BR-DEC-13": gettext_noop("The invoice total VAT amount (BT-110) must have at most 2 decimals."),
    "BR-DEC-14": gettext_noop("The invoice total with VAT (BT-112) must have at most 2 decimals."),
    "BR-DEC-15": gettext_noop(
        "The invoice total VAT amount in accounting currency (BT-111) must have at most 2 decimals."
    ),
    "BR-DEC-16": gettext_noop("The paid amount (BT-113) must have at most 2 decimals."),
    "BR-DEC-17": gettext_noop("The rounding amount (BT-114) must have at most 2 decimals."),
    "BR-DEC-18": gettext_noop("The amount due for payment (BT-115) must have at most 2 decimals."),
    "BR-DEC-19": gettext_noop("The VAT category taxable amount (BT-116) must have at most 2 decimals."),
    "BR-DEC-20": gettext_noop("The VAT category tax amount (BT-117) must have at most 2 decimals."),
    "BR-DEC-23": gettext_noop("The invoice line net amount (BT-131) must have at most 2 decimals."),
    "BR-DEC-24": gettext_noop("The invoice line allowance amount (BT-136) must have at most 2 decimals."),
    "BR-DEC-25": gettext_noop(
        "The invoice line allowance base amount (BT-137) must have at most 2 decimals."
    ),
    "BR-DEC-27": gettext_noop("The invoice line charge amount (BT-141) must have at most 2 decimals."),
    "BR-DEC-28": gettext_noop("The invoice line charge base amount (BT-142) must have at most 2 decimals."),
}

register({f"en16931.{code}": statement for code, statement in STATEMENTS.items()})


def finding_text(code: str, english: str) -> dict:
    """A BR-* finding as a text: its rule's statement in the reader's language, and the precise
    English message (with the document's figures) for English readers."""
    return {"code": f"en16931.{code}", "params": {}, "english": english}
