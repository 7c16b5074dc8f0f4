"""Forms of the pages: they parse input; the services decide what is allowed."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from allauth.account.forms import LoginForm
from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.fields import parse_fraction
from governance.login_throttle import (
    LoginThrottled,
    client_address,
    login_check,
    login_failed,
    login_succeeded,
)
from governance.models import (
    DecisionRules,
    EmptyCollegePolicy,
    MajorityBase,
    Person,
    QuorumMode,
    TallyMethod,
)
from governance.services import RULE_FIELDS, CollegeSpec
from governance.validation import COLLEGES_MAX

COLLEGE_NAME_MAX = 120
WEIGHT_PLACES = 2
# A weight is typed as a number of percent; the legal bounds are governance.validation's.
WEIGHT_INPUT_MAX = Decimal(100)


@dataclass
class CollegeRow:
    index: int
    name: str = ""
    weight: str = ""
    error: str = ""

    @property
    def is_blank(self) -> bool:
        return not self.name.strip() and not self.weight.strip()


@dataclass
class CollegesInput:
    """The rows of the colleges editor as typed, and what could not even be read."""

    rows: list[CollegeRow]
    reason: str = ""
    specs: list[CollegeSpec] = field(default_factory=list)

    @property
    def has_row_errors(self) -> bool:
        return any(row.error for row in self.rows)


def parse_weight(text: str) -> Decimal:
    """A weight in percent as typed: "12,5" or "12.5", at most two decimals, 0 to 100."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    cleaned = cleaned.removesuffix("%")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(_("Enter the weight as a number of percent, such as 25.")) from exc
    if not value.is_finite() or value < 0 or value > WEIGHT_INPUT_MAX:
        raise ValueError(_("A weight is a number of percent between 0 and 100."))
    if value != value.quantize(Decimal(1).scaleb(-WEIGHT_PLACES)):
        raise ValueError(_("A weight has at most two decimals."))
    return value


def colleges_from_post(data: QueryDict) -> CollegesInput:
    rows: list[CollegeRow] = []
    for index in range(COLLEGES_MAX):
        rows.append(
            CollegeRow(
                index,
                data.get(f"name-{index}", "")[:COLLEGE_NAME_MAX],
                data.get(f"weight-{index}", "")[:20],
            )
        )
    parsed = CollegesInput(rows=rows, reason=data.get("reason", "").strip()[:300])
    for row in rows:
        if row.is_blank:
            continue
        if not row.weight.strip():
            row.error = _("Give this college a weight.")
            continue
        try:
            weight = parse_weight(row.weight)
        except ValueError as exc:
            row.error = str(exc)
            continue
        parsed.specs.append(CollegeSpec(row.name.strip(), weight))
    return parsed


class FractionFormField(forms.CharField):
    """An exact fraction typed as "2/3", "0.25" or "25 %"."""

    text_max_length = 32

    def widget_attrs(self, widget: Any) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "maxlength": str(self.text_max_length)}

    def to_python(self, value: Any) -> Fraction | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        if len(text) > self.text_max_length:
            raise ValidationError(_("Write a fraction such as 2/3."))
        try:
            result = parse_fraction(text.replace(",", ".").replace(" ", ""))
        except ValidationError as exc:
            raise ValidationError(
                _(
                    "Write a fraction such as 2/3, a decimal such as 0.5, or a percentage "
                    "such as 20 %."
                )
            ) from exc
        if result < 0 or result > 1 or result.denominator > 10_000:
            raise ValidationError(_("Use a fraction between 0 and 1, such as 2/3."))
        return result

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Fraction):
            return f"{value.numerator}/{value.denominator}"
        return value


class PercentFormField(FractionFormField):
    """An exact share typed as a percentage ("20", "66,67 %") or, for a share no
    percentage with two decimals states exactly, as a fraction ("2/3")."""

    def widget_attrs(self, widget: Any) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "inputmode": "decimal"}

    def to_python(self, value: Any) -> Fraction | None:  # type: ignore[override]
        text = forms.CharField.to_python(self, value)
        if not text:
            return None
        if "/" in text:
            return super().to_python(text)
        cleaned = text.replace("\u00a0", "").replace(" ", "").replace(",", ".").removesuffix("%")
        try:
            number = Decimal(cleaned)
        except InvalidOperation as exc:
            raise ValidationError(
                _("Write a percentage such as 20 or 66.67, or a fraction such as 2/3.")
            ) from exc
        if not number.is_finite() or number < 0 or number > 100:
            raise ValidationError(_("A percentage is between 0 and 100."))
        if number != number.quantize(Decimal("0.01")):
            raise ValidationError(_("Use at most two decimals, or a fraction such as 2/3."))
        return Fraction(number) / 100

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, str) and "/" in value:
            value = Fraction(value)
        if isinstance(value, Fraction):
            percent = value * 100
            if (percent * 100).denominator == 1:
                text = format(Decimal(percent.numerator) / percent.denominator, "f")
                text = text.rstrip("0").rstrip(".") if "." in text else text
                return text
            return f"{value.numerator}/{value.denominator}"
        return value


class DecisionRulesForm(forms.Form):
    tally_method = forms.ChoiceField(
        label=gettext_lazy("Weighted tally"),
        choices=TallyMethod.choices,
        help_text=gettext_lazy(
            "How the colleges are combined. Without colleges the assembly is one member, one "
            "vote, whatever is chosen here. Per registered member: each member carries the "
            "college's weight divided by its members on the roll; a member who does not vote "
            "simply does not count, so a college where nobody votes weighs nothing on either "
            "side and one more vote against can never raise the support."
        ),
    )
    majority_base_first_call = forms.ChoiceField(
        label=gettext_lazy("Base of the majority at the first call"),
        choices=MajorityBase.choices,
        help_text=gettext_lazy(
            "What the majority is a share of. Votes cast: SA since loi 2019-744. All members "
            "on the roll: SARL ordinary decisions on the first consultation (more than half "
            "of all the members' votes); with colleges, every member of a college on the "
            "roll counts in that college's share."
        ),
    )
    majority_base_second_call = forms.ChoiceField(
        label=gettext_lazy("Base of the majority at a later call"),
        choices=MajorityBase.choices,
        help_text=gettext_lazy("SARL ordinary decisions on a second consultation: votes cast."),
    )
    empty_college_policy = forms.ChoiceField(
        label=gettext_lazy("A college where nobody votes"),
        choices=EmptyCollegePolicy.choices,
        help_text=gettext_lazy(
            "Under the per-registered-member tally, redistributing or counting as absent "
            'changes nothing (a silent college already weighs nothing); "The vote fails" '
            "still fails the resolution, and then no support figure is decided."
        ),
    )
    quorum_mode = forms.ChoiceField(
        label=gettext_lazy("Quorum counted"), choices=QuorumMode.choices
    )
    quorum_first_call = PercentFormField(
        label=gettext_lazy("Quorum at the first call (%)"),
        required=False,
        help_text=gettext_lazy("For instance 20; leave empty for no quorum."),
    )
    quorum_second_call = PercentFormField(
        label=gettext_lazy("Quorum at a later call (%)"),
        required=False,
        help_text=gettext_lazy("Leave empty for no quorum."),
    )
    majority = PercentFormField(
        label=gettext_lazy("Majority threshold (%)"),
        help_text=gettext_lazy("For instance 50, or 2/3 for two thirds exactly."),
    )
    majority_strict = forms.BooleanField(
        label=gettext_lazy("Strictly above the threshold (exactly the threshold is not enough)"),
        required=False,
    )
    proxies_allowed = forms.BooleanField(label=gettext_lazy("Proxies allowed"), required=False)
    proxy_cap = forms.IntegerField(
        label=gettext_lazy("Most proxies one member may hold"),
        required=False,
        min_value=1,
        max_value=1000,
        help_text=gettext_lazy("Leave empty for no cap."),
    )
    secret_ballot_default = forms.BooleanField(
        label=gettext_lazy("Secret ballot by default"), required=False
    )
    notice_days_first_call = forms.IntegerField(
        label=gettext_lazy("Notice before the first call (days)"), min_value=0, max_value=365
    )
    notice_days_later_call = forms.IntegerField(
        label=gettext_lazy("Notice before a later call (days)"), min_value=0, max_value=365
    )
    legal_reference = forms.CharField(
        label=gettext_lazy("Legal reference"), required=False, max_length=300
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for the change"), required=False, max_length=300
    )

    @classmethod
    def initial_from(cls, rules: DecisionRules) -> dict[str, Any]:
        return {name: getattr(rules, name) for name in RULE_FIELDS}

    def changes_from(self, rules: DecisionRules) -> dict[str, Any]:
        """Only the fields whose value differs from `rules`, for the new version."""
        return {
            name: self.cleaned_data[name]
            for name in RULE_FIELDS
            if self.cleaned_data[name] != getattr(rules, name)
        }


class PersonField(forms.CharField):
    """A person named by their user name."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 150)
        kwargs.setdefault("label", gettext_lazy("User name"))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Person:  # type: ignore[override]
        username = super().clean(value).strip()
        person = Person.objects.filter(username=username, is_active=True).first()
        if person is None:
            raise ValidationError(_("Nobody has the user name '%(name)s'.") % {"name": username})
        return person


class PersonForm(forms.Form):
    person = PersonField()


class ObserverForm(forms.Form):
    person = PersonField()
    organisation = forms.CharField(
        label=gettext_lazy("Organisation"), max_length=200, required=False
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)


class EndMembershipForm(forms.Form):
    how = forms.ChoiceField(
        label=gettext_lazy("How it ends"),
        choices=[
            ("resigned", gettext_lazy("Resignation")),
            ("excluded", gettext_lazy("Exclusion")),
        ],
    )
    ended_on = forms.DateField(label=gettext_lazy("End date"), required=False)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)


class MoveCollegeForm(forms.Form):
    college = forms.IntegerField(label=gettext_lazy("College"))


def throttle_name(login: str) -> str:
    """The name failed sign-ins count against: the account's username when the person typed
    an e-mail address that an account uses, so that both ways share one counter."""
    login = login.strip()
    if "@" in login:
        from onboarding.services.invitations import person_by_email

        person = person_by_email(login)
        if person is not None:
            return str(person.username)
    return login


class SignInForm(LoginForm):
    """allauth's sign-in form (username or e-mail) behind the login throttle the token
    endpoint also uses. A client that posts `username` (as Django's form had it) still
    signs in: it is read as the login."""

    throttled: LoginThrottled | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        data = kwargs.get("data", args[0] if args else None)
        if data is not None and "login" not in data and "username" in data:
            data = data.copy()
            data["login"] = data["username"]
            if args:
                args = (data, *args[1:])
            else:
                kwargs["data"] = data
        super().__init__(*args, **kwargs)
        self.fields["login"].label = gettext_lazy("User name or e-mail")

    def clean(self) -> dict[str, Any]:
        typed = str(self.data.get("login", ""))
        username = throttle_name(typed)
        address = client_address(self.request)
        try:
            login_check(username=username, address=address)
        except LoginThrottled as exc:
            self.throttled = exc
            raise ValidationError(exc.message, code="login_throttled") from exc
        try:
            cleaned: dict[str, Any] = super().clean()
        except ValidationError:
            if typed and self.data.get("password"):
                login_failed(username=username, address=address)
            raise
        if self.errors:
            if typed and self.data.get("password"):
                login_failed(username=username, address=address)
            return cleaned
        login_succeeded(username=username)
        return cleaned
