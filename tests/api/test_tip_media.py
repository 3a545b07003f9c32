"""Tips with attachments: type by content, metadata stripped, limits, office access by scope."""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zlib
from typing import Any

import httpx
import mutagen.mp4
import pikepdf
from PIL import ExifTags, Image, ImageDraw
from sqlmodel import func, select

from app.domain.taxonomy import Role
from app.models.tip_media import TipAttachment
from app.models.tips import Tip
from tests.conftest import TestDatabase, app_for
from tests.factories import World

GPS = ExifTags.IFD.GPSInfo
Files = list[tuple[str, tuple[str, bytes, str]]]
RECEIPT_SHAPE = re.compile(r"^([0-9A-Z]{4}-){4}[0-9A-Z]{4}$")


def photo_with_gps() -> bytes:
    """A phone-like JPEG: camera make, GPS position, an ICC profile and a comment."""
    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Model X"
    exif.get_ifd(GPS).update({1: "N", 2: (38.0, 22.0, 1.5), 3: "E", 4: (117.0, 21.0, 3.0)})
    out = io.BytesIO()
    img.save(
        out,
        format="JPEG",
        exif=exif.tobytes(),
        icc_profile=b"\0" * 128,
        comment=b"shot at the kiln",
    )
    data = out.getvalue()
    seen = Image.open(io.BytesIO(data))
    assert seen.getexif().get_ifd(GPS)[2] == (38.0, 22.0, 1.5)  # the fixture does carry GPS
    return data


def png_bytes(size: tuple[int, int] = (10, 10)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 0, 200)).save(out, format="PNG")
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG header that promises a huge image (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


NAME, PHONE, GPS_TEXT = "Zhang Wei", "13912345678", "+38.3667+117.3500"
SECRETS = (NAME.encode(), PHONE.encode(), GPS_TEXT.encode(), b"38.3667", b"117.35")


def pdf_with_metadata() -> bytes:
    """A scan as a phone app saves it: author, creator and XMP on the document and a
    page, with the name, a phone number and a GPS position (uncompressed, to be seen),
    and the photo itself with its EXIF."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Author"] = NAME
    pdf.docinfo["/Creator"] = f"Scanner of {PHONE}"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as xmp:
        xmp["dc:creator"] = [NAME]
        xmp["photoshop:City"] = GPS_TEXT
    page_xmp = (
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>{GPS_TEXT}'
        f"</exif:GPSLatitude><tel>{PHONE}</tel></x:xmpmeta>"
    ).encode()
    pdf.pages[0].obj["/Metadata"] = pdf.make_stream(page_xmp)
    photo = pdf.make_stream(
        photo_with_gps(),
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=64,
        Height=48,
        ColorSpace=pikepdf.Name.DeviceRGB,
        BitsPerComponent=8,
        Filter=pikepdf.Name.DCTDecode,
    )
    pdf.pages[0].add_resource(photo, pikepdf.Name.XObject, pikepdf.Name.Im0)
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    data = out.getvalue()
    assert all(s in data for s in (*SECRETS[:3], b"PhoneMaker"))  # the fixture has them
    return data


def box(kind: bytes, *payload: bytes) -> bytes:
    body = b"".join(payload)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def full(version_flags: int = 0) -> bytes:
    return struct.pack(">I", version_flags)


MEDIA = b"\x00\x00\x01\xb3 video frames " * 8
"""Stands for the coded frames: cleaning must leave them byte for byte."""


def mp4_with_location(brand: bytes = b"mp42") -> bytes:
    """A minimal MP4 as an Android phone writes it: one video track, moov/udta/©xyz
    (ISO 6709 position), plus iTunes-style tags that mutagen itself reads."""
    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    mvhd = box(
        b"mvhd",
        full(),
        struct.pack(">IIII", 0, 0, 1000, 2000),
        struct.pack(">IH10x", 0x10000, 0x100),
        matrix,
        bytes(24),
        struct.pack(">I", 2),
    )
    tkhd = box(
        b"tkhd",
        full(3),
        struct.pack(">IIIII", 0, 0, 1, 0, 2000),
        bytes(8),
        struct.pack(">hhH2x", 0, 0, 0),
        matrix,
        struct.pack(">II", 64 << 16, 48 << 16),
    )
    mdhd = box(b"mdhd", full(), struct.pack(">IIIIHH", 0, 0, 1000, 2000, 0x55C4, 0))
    hdlr = box(b"hdlr", full(), bytes(4), b"vide", bytes(12), b"Video\0")
    trak = box(b"trak", tkhd, box(b"mdia", mdhd, hdlr))
    xyz = box(
        "©xyz".encode("latin-1"),
        struct.pack(">HH", len(GPS_TEXT) + 1, 0x15C7),
        f"{GPS_TEXT}/".encode(),
    )
    ftyp = box(b"ftyp", brand, bytes(4), brand, b"isom")
    data = ftyp + box(b"moov", mvhd, trak, box(b"udta", xyz)) + box(b"mdat", MEDIA)
    f = io.BytesIO(data)
    tagged = mutagen.mp4.MP4(f)
    tagged.add_tags()
    assert tagged.tags is not None
    tagged.tags["©ART"] = [NAME]
    tagged.tags["©cmt"] = [f"call {PHONE}"]
    f.seek(0)
    tagged.save(f)
    data = f.getvalue()
    assert all(s in data for s in SECRETS[:3])
    return data


def mov_with_location() -> bytes:
    """A minimal QuickTime movie as an iPhone writes it: moov/meta (no version field)
    with keys and ilst for the location, make and model."""
    mvhd = box(b"mvhd", full(), struct.pack(">IIII", 0, 0, 600, 1200), bytes(80))
    keys = [b"com.apple.quicktime.location.ISO6709", b"com.apple.quicktime.author"]
    values = [f"{GPS_TEXT}+005.000/".encode(), f"{NAME} {PHONE}".encode()]
    meta = box(
        b"meta",
        box(b"hdlr", full(), bytes(4), b"mdta", bytes(12), b"\0"),
        box(b"keys", full(), struct.pack(">I", len(keys)), *(box(b"mdta", k) for k in keys)),
        box(
            b"ilst",
            *(
                box(struct.pack(">I", i + 1), box(b"data", struct.pack(">II", 1, 0), v))
                for i, v in enumerate(values)
            ),
        ),
    )
    hdlr = box(b"hdlr", full(), b"mhlr", b"vide", bytes(12), b"\0")
    trak = box(
        b"trak",
        box(b"tkhd", full(3), bytes(80)),
        box(b"mdia", box(b"mdhd", full(), bytes(20)), hdlr),
    )
    data = (
        box(b"ftyp", b"qt  ", bytes(4), b"qt  ")
        + box(b"wide")
        + box(b"mdat", MEDIA)
        + box(b"moov", mvhd, trak, meta)
    )
    assert all(s in data for s in SECRETS[:3])
    return data


def without_secrets(data: bytes) -> None:
    for needle in SECRETS:
        assert needle not in data, needle


FIELDS: dict[str, Any] = {
    "description": "砖厂扣押工人，照片为证",
    "employer_name": "某砖厂",
    "violation_types": ["forced_labour", "wage_arrears"],
    "contact_phone": "13800000000",
}


async def send(
    client: httpx.AsyncClient, files: Files, headers: dict[str, str] | None = None, **fields: Any
) -> httpx.Response:
    data = {**FIELDS, **fields}
    return await client.post("/public/v1/tips", data=data, files=files, headers=headers)


async def tip_count(db: TestDatabase) -> tuple[int, int]:
    async with db.sessionmaker() as s:
        tips = (await s.exec(select(func.count()).select_from(Tip))).one()
        files = (await s.exec(select(func.count()).select_from(TipAttachment))).one()
    return int(tips), int(files)


async def the_tip(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    [tip] = (await client.get("/api/v1/tips", headers=world.headers(Role.coordinator))).json()[
        "items"
    ]
    return dict(tip)


async def test_a_photo_loses_gps_and_camera_data_before_it_is_stored(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    town = str(world.places["town"].id)
    r = await send(
        client,
        [("attachments", ("IMG_0001.jpg", photo_with_gps(), "image/jpeg"))],
        jurisdiction_id=town,
    )
    assert r.status_code == 201, r.text
    tip = await the_tip(client, world)
    assert tip["violation_types"] == ["forced_labour", "wage_arrears"]
    coord = world.headers(Role.coordinator)
    [att] = (await client.get(f"/api/v1/tips/{tip['id']}/attachments", headers=coord)).json()
    assert att["content_type"] == "image/jpeg" and att["position"] == 0
    got = await client.get(f"/api/v1/tips/{tip['id']}/attachments/{att['id']}", headers=coord)
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert got.headers["content-disposition"].startswith("attachment")
    assert hashlib.sha256(got.content).hexdigest() == att["sha256"]
    assert len(got.content) == att["size"]
    async with db.sessionmaker() as s:
        stored = (await s.exec(select(TipAttachment.data))).one()
    assert stored == got.content
    img = Image.open(io.BytesIO(stored))
    assert img.size == (64, 48)
    assert len(img.getexif()) == 0 and not img.getexif().get_ifd(GPS)
    assert "exif" not in img.info and "icc_profile" not in img.info
    assert "comment" not in img.info
    for needle in (b"PhoneMaker", b"Exif", b"shot at the kiln", b"GPS"):
        assert needle not in stored


async def test_type_is_told_by_content_not_by_name_or_declared_type(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    pdf, mp4, mov = pdf_with_metadata(), mp4_with_location(), mov_with_location()
    r = await send(
        client,
        [
            ("attachments", ("report.pdf", png_bytes(), "application/pdf")),
            ("attachments", ("a.txt", pdf, "text/plain")),
            ("attachments", ("clip.bin", mp4, "application/octet-stream")),
            ("attachments", ("clip2", mov, "video/mp4")),
        ],
        jurisdiction_id=str(world.places["home"].id),
    )
    assert r.status_code == 201, r.text
    tip = await the_tip(client, world)
    listed = (
        await client.get(
            f"/api/v1/tips/{tip['id']}/attachments", headers=world.headers(Role.coordinator)
        )
    ).json()
    assert [a["content_type"] for a in listed] == [
        "image/png",
        "application/pdf",
        "video/mp4",
        "video/quicktime",
    ]

    before = await tip_count(db)
    exe = b"MZ\x90\0not an image"
    bad = await send(
        client,
        [
            ("attachments", ("ok.png", png_bytes(), "image/png")),
            ("attachments", ("photo.jpg", exe, "image/jpeg")),
        ],
    )
    assert bad.status_code == 415
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["errors"] == [{"loc": ["body", "attachments", 1], "msg": "不支持的文件格式"}]
    assert "附件 2" in bad.json()["detail"]
    assert await tip_count(db) == before  # nothing written


async def test_count_size_and_total_limits(db: TestDatabase, world: World) -> None:
    app = app_for(db, tip_attachment_max_bytes=4096, tip_attachment_max_total_bytes=6000)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url="http://test",
    ) as c:
        six = [("attachments", (f"{i}.png", png_bytes(), "image/png")) for i in range(6)]
        too_many = await send(c, six)
        assert too_many.status_code == 422
        assert too_many.json()["errors"][0]["loc"] == ["body", "attachments"]
        big = b"%PDF-1.4\n" + b"0" * 5000
        one_big = await send(
            c,
            [
                ("attachments", ("a.png", png_bytes(), "image/png")),
                ("attachments", ("b.pdf", big, "application/pdf")),
            ],
        )
        assert one_big.status_code == 413
        assert one_big.json()["errors"][0]["loc"] == ["body", "attachments", 1]
        pdf = b"%PDF-1.4\n" + b"0" * 3500
        together = await send(c, [("attachments", ("a.pdf", pdf, "application/pdf"))] * 2)
        assert together.status_code == 413 and "合计" in together.json()["detail"]
        five = await send(c, six[:5])
        assert five.status_code == 201, five.text
    assert await tip_count(db) == (1, 5)


async def test_decompression_bombs_and_broken_images_are_422(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    bomb = await send(client, [("attachments", ("x.png", png_claiming(30000, 30000), "image/png"))])
    assert bomb.status_code == 422, bomb.text
    assert bomb.json()["errors"][0]["loc"] == ["body", "attachments", 0]
    assert "过大" in bomb.json()["detail"]
    broken = await send(
        client, [("attachments", ("y.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 40, "image/jpeg"))]
    )
    assert broken.status_code == 422 and "损坏" in broken.json()["detail"]
    assert await tip_count(db) == (0, 0)


async def test_malformed_multipart_is_400_and_writes_nothing(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    body = (
        b'--XYZ\r\nContent-Disposition: form-data; name="description"\r\n\r\n'
        b"\xe7\xa0\x96\xe5\x8e\x82\r\n--XYZ\r\nContent-Disposition: form-data; name="
    )
    r = await client.post(
        "/public/v1/tips",
        content=body,
        headers={"content-type": "multipart/form-data; boundary=XYZ"},
    )
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    no_boundary = await client.post(
        "/public/v1/tips", content=b"abc", headers={"content-type": "multipart/form-data"}
    )
    assert no_boundary.status_code == 400
    unknown = await send(client, [], nickname="x")
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [
        {"loc": ["body", "nickname"], "msg": "不支持这一项", "type": "value_error"}
    ]
    assert await tip_count(db) == (0, 0)


async def test_multipart_without_files_and_json_still_work(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    empty_input = [("attachments", ("", b"", "application/octet-stream"))]
    assert (await send(client, empty_input)).status_code == 201
    assert (
        await client.post("/public/v1/tips", json={"description": "JSON 也行"})
    ).status_code == 201
    invalid = await send(client, [], description="")
    assert invalid.status_code == 422
    assert invalid.json()["errors"] == [
        {"loc": ["body", "description"], "msg": "不能为空", "type": "value_error"}
    ]
    assert await tip_count(db) == (2, 0)


async def test_a_retried_multipart_tip_with_its_key_is_one_tip(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    files: Files = [("attachments", ("a.png", png_bytes(), "image/png"))]
    key = {"Idempotency-Key": "form-retry-1"}
    first = await send(client, files, key)
    again = await send(client, files, key)  # a new multipart boundary, the same content
    assert first.status_code == again.status_code == 201
    assert again.json()["receipt"] == first.json()["receipt"]
    assert again.headers.get("idempotent-replayed") == "true"
    other = await send(client, files, key, description="别的内容")
    assert other.status_code == 422
    assert await tip_count(db) == (1, 1)


async def test_attachments_are_scoped_like_their_tip(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await send(
        client,
        [("attachments", ("a.png", png_bytes(), "image/png"))],
        jurisdiction_id=str(world.places["town"].id),
    )
    assert r.status_code == 201
    tip = await the_tip(client, world)
    home = world.headers(Role.coordinator)
    [att] = (await client.get(f"/api/v1/tips/{tip['id']}/attachments", headers=home)).json()
    foreign = world.headers(Role.coordinator, "foreign")
    for path in (
        f"/api/v1/tips/{tip['id']}/attachments",
        f"/api/v1/tips/{tip['id']}/attachments/{att['id']}",
    ):
        assert (await client.get(path, headers=foreign)).status_code == 404
    other = await client.get(f"/api/v1/tips/{tip['id']}/attachments/{tip['id']}", headers=home)
    assert other.status_code == 404
    assert (await client.get(f"/api/v1/tips/{tip['id']}/attachments")).status_code == 401


async def test_the_form_takes_a_photo(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    page = (await client.get("/")).text
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    r = await client.post(
        "/form",
        data={"description": "表单带照片", "contact_name": ""},
        files=[("attachments", ("p.jpg", photo_with_gps(), "image/jpeg"))],
    )
    assert r.status_code == 201, r.text
    assert 'id="receipt"' in r.text
    bad = await client.post(
        "/form",
        data={"description": "表单带坏文件"},
        files=[("attachments", ("p.jpg", b"nope", "image/jpeg"))],
    )
    assert bad.status_code == 415 and "格式不支持" in bad.text
    assert await tip_count(db) == (1, 1)


async def test_the_documented_attachments_path_takes_the_same_form_with_the_upload_limit(
    db: TestDatabase, world: World
) -> None:
    """The OpenAPI document gives the multipart tip its own path, so generated clients
    get one body type per operation; it is the same handler, with the upload body limit
    (not the 8 KiB JSON one here), and /public/v1/tips still takes the form too."""
    app = app_for(db, max_body_bytes=8192)
    pdf = pdf_with_metadata() + b"\n%" + b"0" * 20_000  # past the JSON limit, still a PDF
    files: Files = [("attachments", ("evidence.pdf", pdf, "application/pdf"))]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url="http://test",
    ) as c:
        alias = await c.post(
            "/public/v1/tips/with-attachments",
            data=FIELDS,
            files=files,
            headers={"Idempotency-Key": "alias-1"},
        )
        assert alias.status_code == 201, alias.text
        assert RECEIPT_SHAPE.match(alias.json()["receipt"])
        again = await send(c, files, {"Idempotency-Key": "alias-1"})
        assert again.status_code == 201 and again.json() == alias.json()
        assert (await send(c, files)).status_code == 201
        as_json = await c.post("/public/v1/tips/with-attachments", json={"description": "也行"})
        assert as_json.status_code == 201
    assert await tip_count(db) == (3, 2)


async def test_pdfs_and_videos_reach_the_office_without_name_phone_or_position(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    sent = [
        pdf_with_metadata(),
        mp4_with_location(),
        mov_with_location(),
        mp4_with_location(b"3gp5"),
    ]
    r = await send(
        client,
        [
            ("attachments", (f"f{i}", data, "application/octet-stream"))
            for i, data in enumerate(sent)
        ],
        jurisdiction_id=str(world.places["town"].id),
    )
    assert r.status_code == 201, r.text
    tip = await the_tip(client, world)
    coord = world.headers(Role.coordinator)
    listed = (await client.get(f"/api/v1/tips/{tip['id']}/attachments", headers=coord)).json()
    assert [a["content_type"] for a in listed] == [
        "application/pdf",
        "video/mp4",
        "video/quicktime",
        "video/3gpp",
    ]
    got = [
        (await client.get(f"/api/v1/tips/{tip['id']}/attachments/{a['id']}", headers=coord)).content
        for a in listed
    ]
    for data in got:
        without_secrets(data)

    with pikepdf.open(io.BytesIO(got[0])) as pdf:
        assert len(pdf.pages) == 1
        assert "/Info" not in pdf.trailer
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                assert "/Metadata" not in obj
            if isinstance(obj, pikepdf.Stream):
                coded = obj.get("/Filter") == pikepdf.Name.DCTDecode  # a photo, kept coded
                without_secrets(obj.read_raw_bytes() if coded else obj.read_bytes())
        photo = pdf.pages[0].obj.Resources.XObject.Im0
        raw = photo.read_raw_bytes()
        assert b"PhoneMaker" not in raw and b"shot at the kiln" not in raw
        seen = Image.open(io.BytesIO(raw))
        assert seen.size == (64, 48) and len(seen.getexif()) == 0
        assert seen.convert("RGB").getpixel((10, 10))[0] > 150  # the same red picture

    for original, cleaned in zip(sent[1:], got[1:], strict=True):
        # Same size, same frames at the same offsets: the video plays as it did.
        assert len(cleaned) == len(original)
        assert cleaned.index(MEDIA) == original.index(MEDIA)
        video = mutagen.mp4.MP4(io.BytesIO(cleaned))
        assert not video.tags
        assert video.info.length == 2.0


async def test_a_file_that_only_starts_like_a_pdf_or_video_is_refused(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    html = b"%PDF-1.7\n<html><body><script>location='http://x.example/'</script></body></html>"
    exe = b"%PDF-1.4\nMZ\x90\x00\x03" + bytes(200)
    video_html = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom<html><body>hello</body></html>"
    no_moov = box(b"ftyp", b"isom", bytes(4), b"isom") + box(b"mdat", MEDIA)
    locked = io.BytesIO()  # cannot be opened, so cannot be checked or cleaned
    with pikepdf.open(io.BytesIO(pdf_with_metadata())) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(user="1234", owner="1234"))
    for i, (fake, what) in enumerate(
        [
            (html, "PDF"),
            (exe, "PDF"),
            (video_html, "视频"),
            (no_moov, "视频"),
            (locked.getvalue(), "PDF"),
        ]
    ):
        r = await send(
            client,
            [
                ("attachments", ("ok.png", png_bytes(), "image/png")),
                ("attachments", (f"f{i}", fake, "application/pdf")),
            ],
        )
        assert r.status_code == 422, (i, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["errors"][0]["loc"] == ["body", "attachments", 1]
        assert f"附件 2 无法作为{what}读取" in r.json()["detail"]
    assert "密码" in r.json()["detail"]
    assert await tip_count(db) == (0, 0)


async def test_a_48_megapixel_photo_is_kept_at_12_upright_and_a_bigger_one_refused(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    img = Image.new("RGB", (8000, 6000), (90, 120, 160))
    ImageDraw.Draw(img).rectangle((0, 0, 4000, 3000), fill=(220, 20, 20))  # top left red
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # held sideways: turn 90° clockwise to view
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=80, exif=exif.tobytes())
    del img
    r = await send(
        client,
        [("attachments", ("IMG_48MP.jpg", out.getvalue(), "image/jpeg"))],
        jurisdiction_id=str(world.places["town"].id),
    )
    assert r.status_code == 201, r.text
    tip = await the_tip(client, world)
    coord = world.headers(Role.coordinator)
    [att] = (await client.get(f"/api/v1/tips/{tip['id']}/attachments", headers=coord)).json()
    got = await client.get(f"/api/v1/tips/{tip['id']}/attachments/{att['id']}", headers=coord)
    stored = Image.open(io.BytesIO(got.content))
    assert stored.size == (3000, 4000)  # decoded at half scale, then turned upright
    red, green, blue = stored.convert("RGB").getpixel((2900, 100))  # now top right
    assert red > 180 and green < 80 and blue < 80
    assert len(stored.getexif()) == 0

    over = await send(client, [("attachments", ("x.png", png_claiming(7500, 7000), "image/png"))])
    assert over.status_code == 422, over.text
    assert "超过 50 百万像素" in over.json()["detail"]
    out = io.BytesIO()  # progressive: decoded whole as coefficients, whatever the scale
    Image.new("RGB", (5000, 4000), (90, 120, 160)).save(out, format="JPEG", progressive=True)
    progressive = await send(client, [("attachments", ("y.jpg", out.getvalue(), "image/jpeg"))])
    assert progressive.status_code == 422, progressive.text
    assert "渐进式 JPEG 最多 16 百万像素" in progressive.json()["detail"]
    assert await tip_count(db) == (1, 1)
