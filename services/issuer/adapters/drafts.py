"""The ``issuer_drafts`` bucket: one draft per key ``draft.<id>``, changed only with the
revision it was read at, so that two people correcting one draft never silently
overwrite each other."""

from __future__ import annotations

from nats.js.errors import KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from services.issuer.domain.draft import MAX_DRAFT_BYTES, Draft
from shared.errors import Conflict, Invalid
from shared.kv import current_keys, get_entry

PREFIX = "draft."

CHANGED = (
    "Bản nháp vừa được sửa ở nơi khác (một người khác, hoặc một thẻ khác của trình duyệt). "
    "Những gì bạn vừa nhập vẫn còn trên trang, đặt trên bản mới nhất: xem lại rồi bấm "
    "“Lưu nháp” một lần nữa."
)


TOO_LARGE = (
    "Văn bản quá dài để soạn trên trang ({size} byte, tối đa {limit}): đề nghị chia văn bản "
    "hoặc bớt nơi nhận, yêu cầu; có thể ban hành bằng lệnh `chidao issue`."
)


def draft_key(draft_id: str) -> str:
    return PREFIX + draft_id


def encoded(draft: Draft) -> bytes:
    """The draft as stored; ``Invalid`` in words when it would not fit in one KV value."""
    data = draft.model_dump_json().encode()
    if len(data) > MAX_DRAFT_BYTES:
        size, limit = f"{len(data):,}".replace(",", "."), f"{MAX_DRAFT_BYTES:,}".replace(",", ".")
        raise Invalid(TOO_LARGE.format(size=size, limit=limit))
    return data


class DraftStore:
    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    async def get(self, draft_id: str) -> tuple[Draft, int] | None:
        """The draft and the revision it was read at."""
        value, revision = await get_entry(self._kv, draft_key(draft_id))
        if not value:
            return None
        return Draft.model_validate_json(value), revision

    async def create(self, draft: Draft) -> int:
        return await self._kv.create(draft_key(draft.id), encoded(draft))

    async def update(self, draft: Draft, revision: int) -> int:
        """The new revision; Conflict when the draft changed since ``revision``."""
        try:
            return await self._kv.update(draft_key(draft.id), encoded(draft), last=revision)
        except KeyWrongLastSequenceError:
            raise Conflict(CHANGED, draft_id=draft.id) from None

    async def of_unit(self, unit_id: str | None) -> list[Draft]:
        """The unit's drafts, newest first (every unit's for the operator, ``None``)."""
        drafts = []
        for key in await current_keys(self._kv):
            if not key.startswith(PREFIX):
                continue
            found = await self.get(key.removeprefix(PREFIX))
            if found and (unit_id is None or found[0].unit_id == unit_id):
                drafts.append(found[0])
        return sorted(drafts, key=lambda d: d.created_at, reverse=True)
