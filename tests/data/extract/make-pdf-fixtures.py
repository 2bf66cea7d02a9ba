#!/usr/bin/env python3
# make-pdf-fixtures.py — writes the small PDF fixtures used by test-extract
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# lang.pdf       one page of French text; /Title in the Info dictionary,
#                dc:language and dc:title in an XMP metadata stream.
# encrypted.pdf  one page, RC4-40 (standard security handler, R2) with the
#                user password "secret": it cannot be opened without it.
#
# Run from this folder: python3 make-pdf-fixtures.py
import hashlib

PAD = bytes.fromhex('28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A')


def rc4(key, data):
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for b in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(b ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def build(objects, trailer_extra=b''):
    """objects: list of bytes (bodies of objects 1..n); returns a whole PDF."""
    out = bytearray(b'%PDF-1.4\n%\xe2\xe3\xcf\xd3\n')
    offsets = []
    for num, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b'%d 0 obj\n' % num + body + b'\nendobj\n'
    xref = len(out)
    out += b'xref\n0 %d\n' % (len(objects) + 1)
    out += b'0000000000 65535 f \n'
    for off in offsets:
        out += b'%010d 00000 n \n' % off
    out += b'trailer\n<< /Size %d /Root 1 0 R /Info 2 0 R ' % (len(objects) + 1)
    out += trailer_extra + b'>>\nstartxref\n%d\n%%%%EOF\n' % xref
    return bytes(out)


def stream(data, extra=b''):
    return b'<< /Length %d %s>>\nstream\n' % (len(data), extra) + data + b'\nendstream'


def lang_pdf():
    content = b'BT /F1 14 Tf 72 720 Td (Bonjour le monde) Tj ET\n' \
              b'BT /F1 14 Tf 72 650 Td (Un second paragraphe) Tj ET'
    xmp = b'''<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Titre XMP</rdf:li></rdf:Alt></dc:title>
   <dc:language><rdf:Bag><rdf:li>fr</rdf:li></rdf:Bag></dc:language>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>'''
    return build([
        b'<< /Type /Catalog /Pages 3 0 R /Lang (fr) /Metadata 7 0 R >>',
        b'<< /Title (Titre du document) /Producer (make-pdf-fixtures.py) >>',
        b'<< /Type /Pages /Kids [4 0 R] /Count 1 >>',
        b'<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] '
        b'/Resources << /Font << /F1 5 0 R >> >> /Contents 6 0 R >>',
        b'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
        stream(content),
        stream(xmp, b'/Type /Metadata /Subtype /XML '),
    ])


def encrypted_pdf():
    file_id = hashlib.md5(b'parley encrypted fixture').digest()
    user = b'secret'
    owner = b'owner-secret'
    perms = -44
    # Algorithm 3.3: the /O entry
    okey = hashlib.md5((owner + PAD)[:32]).digest()[:5]
    o_entry = rc4(okey, (user + PAD)[:32])
    # Algorithm 3.2: the file key; 3.4: the /U entry (revision 2)
    key = hashlib.md5((user + PAD)[:32] + o_entry + perms.to_bytes(4, 'little', signed=True)
                      + file_id).digest()[:5]
    u_entry = rc4(key, PAD)

    def obj_key(num):
        return hashlib.md5(key + num.to_bytes(3, 'little') + (0).to_bytes(2, 'little')).digest()[:10]

    def enc_string(num, s):
        return b'<' + rc4(obj_key(num), s).hex().encode() + b'>'

    content = b'BT /F1 14 Tf 72 720 Td (Secret text) Tj ET'
    enc_content = rc4(obj_key(6), content)
    encrypt = (b'<< /Filter /Standard /V 1 /R 2 /O <' + o_entry.hex().encode() +
               b'> /U <' + u_entry.hex().encode() + b'> /P %d >>' % perms)
    return build([
        b'<< /Type /Catalog /Pages 3 0 R >>',
        b'<< /Title ' + enc_string(2, b'Encrypted') + b' >>',
        b'<< /Type /Pages /Kids [4 0 R] /Count 1 >>',
        b'<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] '
        b'/Resources << /Font << /F1 5 0 R >> >> /Contents 6 0 R >>',
        b'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
        stream(enc_content),
        encrypt,
    ], b'/Encrypt 7 0 R /ID [<' + file_id.hex().encode() + b'> <' + file_id.hex().encode() + b'>] ')


if __name__ == '__main__':
    with open('lang.pdf', 'wb') as f:
        f.write(lang_pdf())
    with open('encrypted.pdf', 'wb') as f:
        f.write(encrypted_pdf())
