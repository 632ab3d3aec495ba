"""All repositories of one unit of work, sharing its connection and transaction."""

from __future__ import annotations

from storage.appeals_repo import AppealRepo
from storage.dashboard_repo import DashboardRepo
from storage.dead_letters_repo import DeadLetterRepo
from storage.dialog_repo import DialogStateRepo
from storage.duty_repo import DutyRepo
from storage.faq_stats_repo import FaqStatsRepo
from storage.inbox_repo import InboxRepo
from storage.institutions_repo import InstitutionRepo
from storage.outbox_repo import OutboxRepo
from storage.people_repo import PeopleRepo
from storage.privacy_repo import PrivacyRepo
from storage.routing_repo import RoutingRepo
from storage.space_repo import SpaceRepo
from storage.sql_port import SqlSession
from storage.staff_repo import StaffRepo
from storage.transport_state_repo import TransportStateRepo
from storage.turn_repo import TurnRepo
from storage.web_repo import WebRepo


class Repositories:
    def __init__(self, conn: SqlSession) -> None:
        self.institutions = InstitutionRepo(conn)
        self.people = PeopleRepo(conn)
        self.appeals = AppealRepo(conn)
        self.dialog = DialogStateRepo(conn)
        self.outbox = OutboxRepo(conn)
        self.faq_stats = FaqStatsRepo(conn)
        self.duty = DutyRepo(conn)
        self.dead_letters = DeadLetterRepo(conn)
        self.staff = StaffRepo(conn)
        self.privacy = PrivacyRepo(conn)
        self.transport_state = TransportStateRepo(conn)
        self.turn = TurnRepo(conn)
        self.space = SpaceRepo(conn)
        self.routing = RoutingRepo(conn)
        self.web = WebRepo(conn)
        self.dashboard = DashboardRepo(conn)
        self.inbox = InboxRepo(conn)
