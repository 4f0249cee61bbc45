"""Deterministic generator of the demo showroom (``deskterm demo generate``).

It runs the real services day by day with a moving clock, so the sample obeys
every rule the app enforces: rotation logs that replay, forms, callbacks with
outcomes, level changes, escalations, wins and losses with reasons.
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TypedDict

from deskterm.clock import FixedClock, zone_named
from deskterm.demo.method import ManagerHalf
from deskterm.demo.visits import VisitDemo
from deskterm.domain.rotation import MemberState
from deskterm.errors import DesktermError
from deskterm.services import (
    appointments,
    callbacks,
    care,
    customers,
    manager,
    marketing,
    reception,
    rotation,
    setup,
)
from deskterm.services.context import Context
from deskterm.services.escalation import escalation_lists, run_escalations
from deskterm.services.permissions import SYSTEM
from deskterm.services.reception import ReceptionForm
from deskterm.storage.engine import SQLiteDatabase

#: The sample's own "today": ``deskterm --demo`` runs on this day unless DESKTERM_NOW is set.
DEMO_NOW = datetime(2026, 11, 20, 10, 40)
DEMO_ZONE = "Asia/Shanghai"
DEMO_DAYS = 183

SALES = [
    ("王伟", "senior"),
    ("李娜", "senior"),
    ("David Chen", "senior"),
    ("张磊", "junior"),
    ("刘洋", "junior"),
    ("陈静", "junior"),
    ("Emily Zhang", "junior"),
    ("杨帆", "junior"),
]
OTHERS = [
    ("周小燕", "receptionist"),
    ("孙经理 Manager Sun", "manager"),
    ("吴敏", "marketing"),
    ("郑丽", "care"),
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏建文辉力斌宇浩凯健俊帆晨阳佳欣雪梅琳"
)
LATIN = [
    "Michael Wu",
    "Sarah Lin",
    "Kevin Zhou",
    "Anna Li",
    "Tom Huang",
    "Grace Xu",
    "Jason Ma",
    "Linda Gao",
    "Peter Guo",
    "Lucy He",
    "Eric Song",
    "Helen Tang",
    "Frank Luo",
    "Cindy Han",
]
MODELS = [
    "Model 3",
    "Model Y",
    "凯美瑞 Camry",
    "RAV4 荣放",
    "汉 EV",
    "唐 DM-i",
    "雅阁 Accord",
    "CR-V",
    "Golf 高尔夫",
    "途观 Tiguan",
    "理想 L7",
    "小鹏 G6",
]
BUDGETS = ["<100k", "100-150k", "150-200k", "200-300k", "300k+"]
HORIZONS = ["1m", "3m", "6m", "12m", "unknown"]
NO_CONTACT = ["refused", "refused", "not_asked", "not_buyer", "just_browsing", "other"]
LOST = [
    "competitor",
    "competitor",
    "price",
    "price",
    "no_stock",
    "financing",
    "postponed",
    "unreachable",
    "other",
]
RELATIONS = ["spouse", "spouse", "spouse", "parent", "child", "friend", "colleague"]
#: How the demo's visitors heard of the shop, and how often (None: not asked).
MEDIA: list[str | None] = [
    "online_ads",
    "auto_sites",
    "short_video",
    "referral",
    "repeat",
    "passing_by",
    "outdoor",
    "event",
    "other",
    None,
]
MEDIA_WEIGHTS = [18, 25, 15, 12, 5, 12, 5, 3, 2, 3]


class _Completion(TypedDict, total=False):
    """What a demo callback's completion varies (keywords of complete_callback)."""

    new_level: str
    appointment: date | datetime
    lost_reason: str
    lost_note: str


class Showroom:
    """The simulation: one showroom, a moving clock, a seeded random source."""

    def __init__(
        self,
        ctx: Context,
        clock: FixedClock,
        rng: random.Random,
        media_rng: random.Random | None = None,
        appt_rng: random.Random | None = None,
        visit_rng: random.Random | None = None,
    ) -> None:
        self.ctx, self.clock, self.rng = ctx, clock, rng
        # Issue 19's facts of a visit (steps, party, waits) from a random source of its own.
        self.visits = VisitDemo(ctx, visit_rng or random.Random(1))
        # How visitors heard of the shop comes from a random source of its own: the
        # showroom's days stay the same visit for visit (issue 18 added the question).
        self.media_rng = media_rng or random.Random(0)
        # Appointments (issue 19) too: their times, who comes, who does not.
        self.appt_rng = appt_rng or random.Random(191)
        self.coming: list[tuple[float, int]] = []  # today's kept appointments: (hour, id)
        self.phones: set[str] = set()
        self.sales: list[int] = []
        self.skill: dict[int, float] = {}
        self.manager = 0
        self.marketer = 0
        self.carer = 0
        self.busy_until: dict[int, datetime] = {}
        #: The demo's "now" on its last day: nothing is simulated after it.
        self.until: datetime | None = None

    # -- people ---------------------------------------------------------------
    def hire(self) -> None:
        for name, seniority in SALES:
            sid = setup.add_staff(self.ctx, name, "salesperson", seniority).id
            self.sales.append(sid)
            # Seniors capture contacts and fill forms better: the KPIs should show it.
            self.skill[sid] = 0.85 if seniority == "senior" else self.rng.uniform(0.55, 0.75)
        for name, role in OTHERS:
            sid = setup.add_staff(self.ctx, name, role, "senior").id
            if role == "manager":
                self.manager = sid
            elif role == "marketing":
                self.marketer = sid
            elif role == "care":
                self.carer = sid

    def name(self) -> str:
        if self.rng.random() < 0.12:
            return self.rng.choice(LATIN)
        given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2))))
        return self.rng.choice(SURNAMES) + given

    def phone(self) -> str:
        while True:
            p = f"1{self.rng.choice('356789')}{self.rng.randrange(10**9):09d}"
            if p not in self.phones:
                self.phones.add(p)
                return f"{p[:3]} {p[3:7]} {p[7:]}"

    def media(self) -> str | None:
        """How a visitor heard of the shop (a few forms leave it empty)."""
        return self.media_rng.choices(MEDIA, MEDIA_WEIGHTS)[0]

    def form(self, sid: int, remote: bool = False) -> ReceptionForm:
        rng = self.rng
        if not remote and rng.random() > self.skill[sid]:
            reason = rng.choice(NO_CONTACT)
            note = "left before the gift" if reason == "other" else ""
            return ReceptionForm(
                contact_left=False,
                no_contact_reason=reason,
                no_contact_note=note,
                name=rng.choice(["", "", "穿红衣服的先生", "young couple"]),
                media=self.media(),
            )
        thorough = rng.random() < self.skill[sid]
        companions = []
        if rng.random() < 0.6:
            companions = [(rng.choice(RELATIONS), "") for _ in range(rng.choice((1, 1, 2)))]
        return ReceptionForm(
            name=self.name(),
            phone=self.phone(),
            model_interest=rng.choice(MODELS) if thorough or rng.random() < 0.5 else "",
            budget=rng.choice(BUDGETS) if thorough else None,
            purchase_horizon=rng.choices(HORIZONS, (2, 3, 3, 1, 2))[0],
            companions=companions if thorough or rng.random() < 0.3 else [],
            test_drive=rng.random() < 0.3,
            notes=rng.choice(
                ["", "", "比较了竞品", "wants a white one", "关心油耗", "trade-in of an old car"]
            ),
            media=self.media(),
        )

    # -- a day ------------------------------------------------------------------
    def at(self, day: date, hour: float) -> datetime:
        return datetime.combine(day, time(0)) + timedelta(hours=hour)

    def free_finished(self, now: datetime) -> None:
        board = rotation.get_board(self.ctx)
        for m in board.members:
            if (
                m.state == MemberState.WITH_CUSTOMER.value
                and self.busy_until.get(m.salesperson_id, now) <= now
            ):
                rotation.done(self.ctx, m.salesperson_id)

    def arrival(self, day: date, hour: float) -> None:
        rng, ctx = self.rng, self.ctx
        self.clock.set(self.at(day, hour))
        self.free_finished(self.clock.now().replace(tzinfo=None))
        board = rotation.get_board(ctx)
        if board.next_up is None:
            # Everyone busy: the visitor waits for the first one free, or leaves.
            now = self.clock.now().replace(tzinfo=None)
            self.visits.busy_morning(
                now,
                [
                    self.busy_until.get(m.salesperson_id, now)
                    for m in board.members
                    if m.state == MemberState.WITH_CUSTOMER.value
                ],
                self.free_finished,
                self._serve_waited,
                until=self.until,
            )
            return
        roll = rng.random()
        try:
            if roll < 0.07:
                a = rotation.receive_uncounted(
                    ctx, rng.choice(["question", "service", "pickup", "friend"])
                )
                self.busy_until[a.salesperson_id] = self.at(day, hour + 0.2)
                return
            if roll < 0.19:
                found = customers.customers_by_status(ctx, "active")
                if found:
                    c = rng.choice(found)
                    a = rotation.receive_returning(ctx, c.id)
                    form = ReceptionForm(
                        name=c.name,
                        phone=c.phone or "",
                        contact_other=c.contact_other or "",
                        purchase_horizon=rng.choice(["1m", "3m", "3m", "6m"]),
                        test_drive=rng.random() < 0.5,
                        level=None,
                    )
                    self.visits.save(a.reception_id, form, returning=True)
                    self.busy_until[a.salesperson_id] = self.at(day, hour + rng.uniform(0.4, 1.2))
                    return
            if rng.random() < 0.05 and len(board.members) > 2:
                first = board.next_up
                rotation.skip(ctx, first, rng.choice(["busy", "cannot_serve", "personal"]))
            a = rotation.walk_in(ctx)
            self.busy_until[a.salesperson_id] = self.at(day, hour + rng.uniform(0.3, 1.1))
            if rng.random() < 0.97:  # a few forms are left for later: the hold rule shows
                self.visits.save(a.reception_id, self.form(a.salesperson_id))
        except DesktermError:
            return  # a rule refused this arrival; the simulation moves on like a real desk

    def _serve_waited(self, reception_id: int, sid: int) -> None:
        """The visitor who waited gets their visit, drawn from the visits' own source."""
        kept = self.rng, self.media_rng
        self.rng = self.media_rng = self.visits.rng
        try:
            now = self.clock.now().replace(tzinfo=None)
            self.busy_until[sid] = now + timedelta(hours=self.rng.uniform(0.3, 1.1))
            self.visits.save(reception_id, self.form(sid))
        except DesktermError:
            pass  # a rule refused the form: the visit stays without one, as at a real desk
        finally:
            self.rng, self.media_rng = kept

    def _rush(self, day: date, hour: float) -> None:
        """A few visitors at once on a busy morning (issue 19): some wait for a free
        salesperson. Drawn from the visits' own source, so the day's other visitors
        stay who they were."""
        kept = self.rng, self.media_rng
        self.rng = self.media_rng = self.visits.rng
        try:
            for at in self.visits.rush_arrivals(hour):
                self.arrival(day, at)
        finally:
            self.rng, self.media_rng = kept

    def remote(self, day: date, hour: float, channel: str) -> None:
        self.clock.set(self.at(day, hour))
        sid = self.rng.choice(self.sales)
        a = rotation.log_remote_arrival(self.ctx, channel, sid)
        reception.save_form(self.ctx, a.reception_id, self.form(sid, remote=True))

    def leads_for_the_meeting(self, day: date) -> None:
        """The demo's today has a lead or two for the manager to hand out: marketing hands
        two pool customers back this morning if none waits (the Leads tab is never empty)."""
        if manager.leads_to_hand_out(self.ctx):
            return
        self.clock.set(self.at(day, 10.62))
        pool = [
            e
            for e in marketing.marketing_pool(self.ctx)
            if e.status == "marketing" and not e.nurtured
        ]
        for e in pool[:2]:
            marketing.mark_nurtured(
                self.ctx, e.customer_id, "came to the open day", by_id=self.marketer
            )

    def marketing(self, day: date) -> None:
        """Marketing calls a few pool customers, registers web leads and hands nurtured
        pool customers back."""
        rng = self.rng
        self.clock.set(self.at(day, 15.0))
        for entry in marketing.marketing_pool(self.ctx, limit=rng.randint(2, 5)):
            marketing.log_contact(
                self.ctx,
                entry.customer_id,
                self.marketer,
                rng.choice(["reached", "reached", "no_answer"]),
                rng.choice(["", "sent the open-day invitation", "new model brochure by WeChat"]),
            )
        self.clock.set(self.at(day, 17.0))
        if rng.random() < 0.25:
            marketing.register_lead(
                self.ctx,
                self.name(),
                self.phone(),
                "online",
                rng.choice(["website test-drive form", "WeChat enquiry"]),
            )
        if rng.random() < 0.2:
            # Only one not handed back yet: a handed-back customer waits for the Monday
            # meeting, and handing it back twice is refused.
            pool = [
                e
                for e in marketing.marketing_pool(self.ctx)
                if e.status == "marketing" and not e.nurtured
            ]
            if pool:
                marketing.mark_nurtured(
                    self.ctx,
                    rng.choice(pool).customer_id,
                    rng.choice(["came to the open day", "asked for a price list"]),
                )

    def do_callbacks(self, day: date, share: float) -> None:
        rng, ctx = self.rng, self.ctx
        self.clock.set(self.at(day, 16.5))
        for sid in self.sales:
            for cb in callbacks.due_callbacks(ctx, sid):
                if rng.random() > share * (0.8 + 0.2 * self.skill[sid]):
                    continue
                level = cb.level
                r = rng.random()
                kwargs: _Completion = {}
                if r < 0.22:
                    outcome = "no_answer"
                elif level == "hot" and r < 0.265:
                    outcome = "won"
                elif r < 0.29:
                    outcome = "lost"
                    kwargs = {
                        "lost_reason": (lr := rng.choice(LOST)),
                        "lost_note": "went to the dealer across town" if lr == "other" else "",
                    }
                elif r < 0.36:  # an invitation for one reached customer in ten
                    outcome = "appointment"
                    visit = day + timedelta(days=rng.randint(2, 6))
                    kwargs = {"appointment": datetime.combine(visit, self.visit_time(visit))}
                else:
                    outcome = "reached"
                if outcome in ("reached", "appointment"):
                    move = rng.random()
                    if level == "warm" and move < 0.18:
                        kwargs["new_level"] = "hot"
                    elif level == "hot" and move < 0.07:
                        kwargs["new_level"] = "warm"
                    elif level == "warm" and move < 0.25:
                        kwargs["new_level"] = "cold"
                callbacks.complete_callback(
                    ctx,
                    cb.id,
                    outcome,
                    note=rng.choice(
                        [
                            "",
                            "",
                            "还在比较",
                            "waiting for the year-end offer",
                            "家人还没同意",
                            "asked about financing",
                        ]
                    ),
                    **kwargs,
                )

    # -- appointments (issue 19) ----------------------------------------------------
    def visit_time(self, day: date) -> time:
        """When an invited customer agrees to come: late morning or the afternoon,
        on the half hour."""
        slots = [10.0, 10.5, 11.0, 14.0, 14.5, 15.0, 15.5, 16.0, 16.5]
        if day.weekday() >= 5:
            slots += [9.5, 11.5, 13.5]  # weekends: the whole day
        h = self.appt_rng.choice(slots)
        return time(int(h), int(h % 1 * 60))

    def plan_appointments(self, day: date) -> None:
        """The morning of ``day``: of its appointments most will come (a little early or
        late), some will not, a few call to cancel."""
        rng = self.appt_rng
        self.clock.set(self.at(day, 8.9))
        self.coming = []
        zone = self.ctx.clock.zone
        for v in appointments.expected(self.ctx, day):
            if v.status != "booked":
                continue
            roll = rng.random()
            if roll < 0.05:
                appointments.cancel(self.ctx, v.id)
            elif roll < 0.62:  # a show rate near the trade's 60 %
                local = v.at.astimezone(zone)
                hour = local.hour + local.minute / 60 + rng.uniform(-0.25, 0.6)
                self.coming.append((hour, v.id))
        self.coming.sort()

    def appointment_arrivals(self, day: date, until: float) -> None:
        """Every invited visitor due by ``until`` comes: received by the owner (or as a
        courtesy), the form saved, busy for a while. Nobody free: they leave (a no-show)."""
        rng, ctx = self.appt_rng, self.ctx
        while self.coming and self.coming[0][0] <= until:
            hour, appt_id = self.coming.pop(0)
            self.clock.set(self.at(day, hour))
            self.free_finished(self.clock.now().replace(tzinfo=None))
            try:
                a = appointments.arrive(ctx, appt_id)
                prefill, _own = reception.form_prefill(ctx, a.reception_id)
                form = prefill or ReceptionForm()
                form.purchase_horizon = rng.choice(["1m", "1m", "3m", "3m", "6m"])
                form.test_drive = rng.random() < 0.6
                form.level = None
                reception.save_form(ctx, a.reception_id, form)
                self.busy_until[a.salesperson_id] = self.at(day, hour + rng.uniform(0.6, 1.5))
            except DesktermError:
                continue  # the owner and everyone else busy: they did not wait

    def settle_appointments(self, day: date, hour: float) -> None:
        """The desk's minute timer, as the app runs it: the missed ones are no-shows."""
        self.clock.set(self.at(day, hour))
        appointments.settle_no_shows(self.ctx)

    def do_care(self, day: date, share: float) -> None:
        """The care person keeps in touch with most of today's won customers."""
        self.clock.set(self.at(day, 11.5))
        for call in care.care_due(self.ctx, self.carer):
            if self.rng.random() < share:
                care.complete_care(
                    self.ctx,
                    call.id,
                    self.rng.choice(["", "happy with the car", "asked about the first service"]),
                    reached=self.rng.random() < 0.85,
                )

    def manager_meeting(self, day: date, decide: bool = True) -> None:
        """Lost requests decided, leads handed out, some at-risk customers to a senior.

        On the demo's own today the decisions are left for the person trying it.
        """
        self.clock.set(self.at(day, 8.75))
        run_escalations(self.ctx)
        if not decide:
            return
        for req in manager.pending_lost_requests(self.ctx):
            if self.rng.random() < 0.8:
                manager.approve_lost(self.ctx, req.customer_id)
            else:
                manager.send_back_lost(
                    self.ctx, req.customer_id, "try once more with the new offer"
                )
        for lead in manager.leads_to_hand_out(self.ctx):
            manager.hand_out_lead(self.ctx, lead.customer_id, self.rng.choice(self.sales))
        lists = escalation_lists(self.ctx)
        seniors = self.sales[:3]
        for item in lists["at_risk"][:2]:
            if self.rng.random() < 0.5:
                target = self.rng.choice([s for s in seniors if s != item.owner_id] or seniors)
                if target != item.owner_id:
                    customers.reassign(
                        self.ctx, item.customer_id, target, "at risk: to a senior salesperson"
                    )

    def day(self, day: date, is_today: bool = False) -> None:
        rng = self.rng
        weekend = day.weekday() >= 5
        if day.weekday() == 0 or is_today:
            self.manager_meeting(day, decide=not is_today)
        self.clock.set(self.at(day, 9.0))
        on_duty = rng.sample(
            self.sales, k=min(len(self.sales), rng.randint(5, 7) + (1 if weekend else 0))
        )
        for i, sid in enumerate(on_duty):
            self.clock.set(self.at(day, 9.0 + i * 0.05))
            rotation.check_in(self.ctx, sid)
        self.plan_appointments(day)
        end_hour = 10.6 if is_today else 18.0
        self.until = self.at(day, end_hour) if is_today else None
        n = rng.randint(11, 17) if weekend else rng.randint(5, 9)
        hours = sorted(rng.uniform(9.5, 18.0) for _ in range(n))
        if is_today:  # a lively morning, so the demo board has people with customers
            hours = sorted(rng.uniform(9.2, 10.55) for _ in range(rng.randint(4, 5)))
        else:
            # The invited visitors are part of the day's traffic, not on top of it: as
            # many of the other arrivals stay away (the sample keeps its size).
            for _ in range(min(len(self.coming), len(hours) - 3)):
                hours.pop(self.appt_rng.randrange(len(hours)))
        breaks = {rng.choice(on_duty): rng.uniform(12.0, 13.0)}
        rush = self.visits.rush_hour(weekend, is_today)
        for h in hours:
            if rush is not None and h > rush:
                self._rush(day, rush)
                rush = None
            if h > end_hour:
                break
            for sid, bh in list(breaks.items()):
                if h > bh:
                    self.clock.set(self.at(day, bh))
                    try:
                        rotation.away(self.ctx, sid, "break")
                        self.clock.set(self.at(day, bh + 0.4))
                        rotation.back(self.ctx, sid)
                    except DesktermError:
                        pass  # with a customer at lunch time: no break today
                    del breaks[sid]
            self.appointment_arrivals(day, h)
            self.arrival(day, h)
        self.appointment_arrivals(day, end_hour)
        if rush is not None and rush < end_hour:
            self._rush(day, rush)
        if is_today:
            self.settle_appointments(day, end_hour)
            board = rotation.get_board(self.ctx)
            ready = [m.salesperson_id for m in board.members if m.state == "ready"]
            if len(ready) > 2:
                self.clock.set(self.at(day, 10.5))
                rotation.away(self.ctx, ready[-1], "delivery")
            self.leads_for_the_meeting(day)
            return
        for h, channel in ((11.0, "phone"), (14.0, "online"), (15.5, "phone")):
            if rng.random() < 0.7:
                self.remote(day, h, channel)
        self.marketing(day)
        self.do_care(day, share=0.85)
        self.do_callbacks(day, share=0.9)
        self.settle_appointments(day, 18.45)
        self.clock.set(self.at(day, 18.5))
        self.free_finished(self.clock.now().replace(tzinfo=None) + timedelta(hours=24))
        rotation.close_day(self.ctx)


def generate(
    out: Path,
    seed: int = 20261120,
    days: int = DEMO_DAYS,
    now: datetime = DEMO_NOW,
    progress: bool = False,
) -> Path:
    """Write a demo database to ``out`` (replaced if present), checkpointed, no sidecars."""
    zone = zone_named(DEMO_ZONE)
    start = now.date() - timedelta(days=days)
    clock = FixedClock(datetime.combine(start, time(8, 0)), zone=zone)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "demo.db"
        ctx = Context(SQLiteDatabase(work, fast=True), clock, role=SYSTEM)
        setup.ensure_seeded(ctx)
        setup.set_setting(ctx, "shop.timezone", DEMO_ZONE)
        # Stored in English; shown in the language in force (services.setup.shop_name).
        setup.set_setting(ctx, "shop.name", "deskterm demo showroom")
        # A demo anyone can open: an open desk, chosen explicitly (shops get PINs).
        setup.set_setting(ctx, "auth.mode", "open")
        setup.set_setting(ctx, "demo.today", now.replace(tzinfo=zone).isoformat(timespec="minutes"))
        room = Showroom(
            ctx,
            clock,
            random.Random(seed),
            random.Random(seed ^ 0x4D),
            appt_rng=random.Random(seed + 191),
            visit_rng=random.Random(seed + 192),
        )
        room.hire()
        half = ManagerHalf(ctx, clock, seed, room.sales, room.manager, room.skill, room.at)
        half.start()
        for i in range(days + 1):
            d = start + timedelta(days=i)
            if d.day == 1 or i == 0:
                half.month_start(d)
            if d.weekday() == 0 and d != now.date():
                half.meeting(d)
            room.day(d, is_today=d == now.date())
            if progress and i % 30 == 0:
                print(f"  {d}", flush=True)
        clock.set(now)
        ctx.db.close()
        out = Path(out)
        if out.exists():
            out.unlink()
        for side in ("-wal", "-shm"):
            Path(f"{out}{side}").unlink(missing_ok=True)
        con = sqlite3.connect(work)
        con.execute("VACUUM INTO ?", (str(out),))
        con.close()
    con = sqlite3.connect(out)
    con.execute("PRAGMA journal_mode = DELETE")  # a committed file has no -wal/-shm
    con.close()
    return out
