import factory

from certificates.models import JobRole


class JobRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobRole
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Community responder {n}")
    onet_soc_code = "21-1094.00"
    soc_verified = True
