"""The organisation tree: who exists, who is under whom, where their mail goes."""

from __future__ import annotations

from enum import StrEnum

from pydantic import EmailStr, Field

from shared.contracts.base import Contract, Slug, Text


class UnitKind(StrEnum):
    """Kinds of units, so that groups ("all chi bộ directly under ...") can be expanded."""

    CENTRAL_COMMITTEE = "central_committee"  # Ban Chấp hành Trung ương, Ban Bí thư
    CENTRAL_BOARD = "central_board"  # Ban Tuyên giáo Trung ương, ...
    PROVINCIAL_COMMITTEE = "provincial_committee"  # Tỉnh ủy, Thành ủy trực thuộc TW
    PROVINCIAL_BOARD = "provincial_board"  # ban đảng, văn phòng, ủy ban kiểm tra của tỉnh ủy
    BLOC_COMMITTEE = "bloc_committee"  # Đảng ủy Khối
    BLOC_BOARD = "bloc_board"  # ban, văn phòng của Đảng ủy Khối
    DISTRICT_COMMITTEE = "district_committee"  # huyện ủy, thị ủy, thành ủy trực thuộc tỉnh
    PARTY_DELEGATION = "party_delegation"  # ban cán sự đảng, đảng đoàn
    GRASSROOTS_COMMITTEE = "grassroots_committee"  # đảng ủy / đảng bộ cơ sở
    GRASSROOTS_CHI_BO = "grassroots_chi_bo"  # chi bộ cơ sở (directly under a superior committee)
    CHI_BO = "chi_bo"  # chi bộ trực thuộc đảng ủy cơ sở
    STANDING_OFFICE = "standing_office"  # Thường trực, Ban Thường vụ, Lãnh đạo (cơ quan)
    STATE_AGENCY = "state_agency"  # sở, ban, ngành, trường, báo, đài
    MASS_ORGANISATION = "mass_organisation"  # MTTQ, đoàn thể, hội


class Unit(Contract):
    """A unit of the directory. ``issue_needs_approval``: a leader (lãnh đạo) of the unit
    must approve a document prepared in the staff console before it is issued; the
    console's clerks and specialists submit it ("Trình lãnh đạo duyệt") instead of
    issuing it. The API holds to it too (only a lãnh đạo of such a unit issues through
    ``POST /api/directives``); the operators' token is not bound by it."""

    id: Slug
    name: Text = Field(min_length=1)
    kind: UnitKind
    parent: Slug | None = None
    aliases: list[Text] = Field(default_factory=list)
    emails: list[EmailStr] = Field(default_factory=list)
    issue_needs_approval: bool = False
