#!/usr/bin/env python3
"""xlsx_tool: .xlsx files for the tests, made and read with tools that are not duban's
own (openpyxl, and zipfile for hand-made and hostile workbooks).

  from-csv CSV OUT          the CSV as a typed sheet, as Excel saves it (dates as date
                            cells, 整改进度 as numbers, a title row above the header)
  dump XLSX                 JSON: sheet name, frozen cell, header bold, column widths,
                            rows of [value, type, number format, bold] (values as text)
  hostile KIND OUT          a hostile or broken workbook (see HOSTILE)
"""
import csv
import datetime
import io
import json
import struct
import sys
import zipfile

CT = ('<?xml version="1.0" encoding="UTF-8"?>'
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Default Extension="xml" ContentType="application/xml"/></Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>')
BOOK = ('<?xml version="1.0" encoding="UTF-8"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>')
BOOK_RELS = ('<?xml version="1.0" encoding="UTF-8"?>'
             '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
             '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
             '</Relationships>')
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SHEET = ('<?xml version="1.0" encoding="UTF-8"?><worksheet %s><sheetData>'
         '<row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>' % NS)
SST = '<?xml version="1.0" encoding="UTF-8"?><sst %s><si><t>编号</t></si></sst>' % NS


def hand_made(out, sheet=SHEET, sst=SST, stored=False):
    """A minimal workbook from its parts."""
    comp = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(out, 'w', comp) as z:
        z.writestr('[Content_Types].xml', CT)
        z.writestr('_rels/.rels', RELS)
        z.writestr('xl/workbook.xml', BOOK)
        z.writestr('xl/_rels/workbook.xml.rels', BOOK_RELS)
        if callable(sheet):
            with z.open('xl/worksheets/sheet1.xml', 'w', force_zip64=True) as f:
                sheet(f)
        else:
            z.writestr('xl/worksheets/sheet1.xml', sheet)
        if callable(sst):
            with z.open('xl/sharedStrings.xml', 'w', force_zip64=True) as f:
                sst(f)
        elif sst is not None:
            z.writestr('xl/sharedStrings.xml', sst)


def patch_size(path, member, size):
    """Rewrites the uncompressed size that the local header and the central directory
    declare for member (a lie about the size, as zip bombs tell)."""
    data = bytearray(open(path, 'rb').read())
    name = member.encode()
    pos = 0
    while True:
        pos = data.find(name, pos)
        if pos < 0:
            break
        for sig, off, nameoff in ((b'PK\x03\x04', 22, 30), (b'PK\x01\x02', 24, 46)):
            start = pos - nameoff
            if start >= 0 and data[start:start + 4] == sig:
                struct.pack_into('<I', data, start + off, size)
        pos += len(name)
    open(path, 'wb').write(data)


def big_sheet(f):
    f.write(('<?xml version="1.0" encoding="UTF-8"?><worksheet %s><sheetData>' % NS).encode())
    pad = b' ' * (1 << 20)
    for _ in range(64):
        f.write(pad)
    f.write(b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>')


def many_strings(n):
    def write(f):
        f.write(('<?xml version="1.0" encoding="UTF-8"?><sst %s>' % NS).encode())
        chunk = b'<si/>' * 65536
        for _ in range(n // 65536):
            f.write(chunk)
        f.write(b'<si/>' * (n % 65536))
        f.write(b'</sst>')
    return write


def huge_string(f):
    f.write(('<?xml version="1.0" encoding="UTF-8"?><sst %s><si><t>' % NS).encode())
    for _ in range(24):
        f.write(b'a' * (1 << 20))
    f.write(b'</t></si></sst>')


LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + ''.join('<!ENTITY lol%d "%s">' % (i, ('&lol%d;' % (i - 1) if i > 1 else '&lol;') * 10)
                    for i in range(1, 10))
          + ']><sst %s><si><t>&lol9;</t></si></sst>' % NS)
XXE = ('<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       '<sst %s><si><t>&xxe;</t></si></sst>' % NS)


def hostile(kind, out):
    if kind == 'declared-bomb':      # the sheet says it inflates to 3.75 GiB
        hand_made(out)
        patch_size(out, 'xl/worksheets/sheet1.xml', 0xF0000000)
    elif kind == 'lying-bomb':       # 64 MiB that say they are 1 KiB
        hand_made(out, sheet=big_sheet)
        patch_size(out, 'xl/worksheets/sheet1.xml', 1024)
    elif kind == 'many-strings':     # one more shared string than allowed
        hand_made(out, sst=many_strings((16 << 20) + 1))
    elif kind == 'huge-string':      # one shared string of 24 MiB
        hand_made(out, sst=huge_string)
    elif kind == 'laughs':           # billion laughs
        hand_made(out, sst=LAUGHS)
    elif kind == 'xxe':              # an external entity
        hand_made(out, sst=XXE)
    elif kind == 'not-zip':
        open(out, 'wb').write(b'\xd0\xcf\x11\xe0 this is an old .xls, not a zip' * 10)
    elif kind == 'no-sheet':
        with zipfile.ZipFile(out, 'w') as z:
            z.writestr('[Content_Types].xml', CT)
            z.writestr('_rels/.rels', RELS)
            z.writestr('xl/workbook.xml', BOOK)
            z.writestr('xl/_rels/workbook.xml.rels', BOOK_RELS)
    elif kind == 'bad-sst-index':
        hand_made(out, sheet=SHEET.replace('<v>0</v>', '<v>7</v>'))
    elif kind == 'malformed':
        hand_made(out, sheet=SHEET.replace('</sheetData>', ''))
    else:
        sys.exit('unknown kind ' + kind)


DATE_COLS = {'整改时限', '办结日期', 'deadline', 'closed_on'}


def typed(header, value):
    """A CSV cell as Excel would hold it."""
    v = value.strip()
    if header in DATE_COLS and v:
        for fmt in ('%Y-%m-%d', '%Y/%m/%d', '%Y年%m月%d日'):
            try:
                return datetime.datetime.strptime(v, fmt)
            except ValueError:
                pass
    if header in ('整改进度', 'progress') and v.endswith('%') and v[:-1].isdigit():
        return int(v[:-1]) / 100.0
    if v.isdigit() and header not in ('编号', 'ref'):
        return int(v)
    return value


def from_csv(src, out):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = '台账'
    ws.append(['某区生态环境问题整改台账'])
    with open(src, encoding='utf-8-sig', newline='') as f:
        rows = list(csv.reader(f))
    header = [h.strip() for h in rows[0]]
    ws.append(header)
    for r in rows[1:]:
        ws.append([typed(header[i], c) if i < len(header) else c for i, c in enumerate(r)])
        for i, c in enumerate(r):
            cell = ws.cell(row=ws.max_row, column=i + 1)
            if isinstance(cell.value, datetime.datetime):
                cell.number_format = 'yyyy"年"m"月"d"日"'
            elif isinstance(cell.value, float):
                cell.number_format = '0%'
    wb.save(out)


def text_of(v):
    if v is None:
        return None
    if isinstance(v, datetime.datetime):
        return v.strftime('%Y-%m-%d')
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def dump(path):
    import openpyxl
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    rows = []
    for row in ws.iter_rows():
        rows.append([[text_of(c.value), c.data_type, c.number_format, bool(c.font and c.font.b)]
                     for c in row])
    widths = {k: v.width for k, v in ws.column_dimensions.items() if v.width}
    print(json.dumps({'sheet': ws.title, 'freeze': ws.freeze_panes, 'widths': widths,
                      'rows': rows}, ensure_ascii=False))


if __name__ == '__main__':
    if sys.argv[1] == 'from-csv':
        from_csv(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == 'dump':
        dump(sys.argv[2])
    elif sys.argv[1] == 'hostile':
        hostile(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
