"""Helpers (not fixtures) of the import tests: headers, sample rows of each kind, and CSV files of them."""

HEADERS = {
    "regions": "code,name,parent_code,level,area_class",
    "providers": "code,name,region_codes,deposit,credit_limit",
    "users": "username,password,role,provider_code,region_code,display_name",
    "products": "model,category,name,serial_pattern",
    "policies": "category,whole_unit_months,main_part_months",
    "parts": "part_no,name,price,models,claimable,key_part,main_part",
    "stock": "warehouse,part_no,qty",
    "cards": "number,card_type,coverage,starts_on,ends_on,serials,phones",
    "fees": "code,category,repair_type,name,labour_cents",
    "travel-fees": "area_class,fee_cents",
}
# Columns a file of the kind may add after its header's, each on its own.
OPTIONAL = {
    "providers": ["charges_remit_percent"],
    "parts": ["return_required", "customer_price_cents"],
    "cards": ["parts"],
}
KINDS = tuple(HEADERS)
PASSWORD = "correct horse battery"

# Good rows of each kind, given the `world` fixture; none of their keys exists before they are imported.
SAMPLES = {
    "regions": [
        "440000,Guangdong,,province,city",
        "440100,Guangzhou,440000,city,city",
        "440106,Tianhe,440100,county,county",
    ],
    "providers": ["P10,Provider Ten,370100;370112,12.50,1000", "P11,Provider Eleven,,0,0"],
    "users": [
        f"ann,{PASSWORD},agent,,,Ann",
        f"tom,{PASSWORD},technician,P01,,Tom",
        f"cat,{PASSWORD},parts_clerk,,370000,Cat",
    ],
    "products": ["TV65,tv,65 inch TV,^65[0-9]{8}$", "WM8,washing_machine,Washer,"],
    "policies": ["tv,12,36", "fridge,12,24"],
    "parts": ["X2,Panel,899.00,TV55,true,true,true", "X3,Remote,12.50,,false,false,false"],
    "stock": ["HQ,X1,5", "RDC-370000,X1,3", "PROV-P01,X1,2"],
    "cards": [
        "EW1,extended_warranty,whole_unit,2025-01-01,2026-12-31,SN1;SN2,13800000001",
        "SC1,service_contract,whole_unit,2025-01-01,2025-12-31,SN3,13800000002;13800000003",
    ],
    "fees": ["TV-BOARD,tv,board,主板维修,8000", "TV-PANEL,tv,panel,更换屏幕,15000"],
    "travel-fees": ["city,3000", "remote,8000"],
}
# Each sample with its second row changed in one field.
CHANGED = {
    "regions": [
        "440000,Guangdong,,province,city",
        "440100,Guangzhou City,440000,city,city",
        "440106,Tianhe,440100,county,county",
    ],
    "providers": ["P10,Provider Ten,370100;370112,12.50,1000", "P11,Provider Eleven,,20.00,0"],
    "users": [
        f"ann,{PASSWORD},agent,,,Ann",
        f"tom,{PASSWORD},technician,P01,,Tom Li",
        f"cat,{PASSWORD},parts_clerk,,370000,Cat",
    ],
    "products": ["TV65,tv,65 inch TV,^65[0-9]{8}$", "WM8,washing_machine,Front-load washer,"],
    "policies": ["tv,12,36", "fridge,12,12"],
    "parts": ["X2,Panel,899.00,TV55,true,true,true", "X3,Remote,13.00,,false,false,false"],
    "stock": ["HQ,X1,5", "RDC-370000,X1,4", "PROV-P01,X1,2"],
    "cards": [
        "EW1,extended_warranty,whole_unit,2025-01-01,2026-12-31,SN1;SN2,13800000001",
        "SC1,service_contract,whole_unit,2025-01-01,2026-06-30,SN3,13800000002;13800000003",
    ],
    "fees": ["TV-BOARD,tv,board,主板维修,8000", "TV-PANEL,tv,panel,更换屏幕,16000"],
    "travel-fees": ["city,3000", "remote,9000"],
}


def csv_bytes(kind_or_header, *rows, bom=False, newline="\n"):
    """The bytes of a CSV file: the kind's header (or the header given) and ``rows``, UTF-8."""
    header = HEADERS.get(kind_or_header, kind_or_header)
    text = newline.join([header, *rows]) + newline
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")
