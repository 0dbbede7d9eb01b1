import factory

from lms.audit.models import AuditAction, AuditEvent
from lms.audit.services import audit_record


class AuditEventFactory(factory.django.DjangoModelFactory):
    """Built through the service so that every row sits correctly in the hash chain."""

    class Meta:
        model = AuditEvent

    action = AuditAction.SIGN_IN
    target = factory.Sequence(lambda n: f"test:{n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return audit_record(**kwargs)
