import factory
from django.contrib.auth import get_user_model

from channels.models import CdiscountAccount, Company, Membership

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")

    @factory.post_generation
    def password(user, create, extracted, **kwargs):
        user.set_password(extracted or PASSWORD)
        if create:
            user.save(update_fields=["password"])


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Company {n}")
    account = factory.RelatedFactory(
        "tests.factories.CdiscountAccountFactory", factory_related_name="company"
    )


class CdiscountAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CdiscountAccount
        django_get_or_create = ("company",)

    company = factory.SubFactory(CompanyFactory, account=None)


def member_of(user, company) -> None:
    Membership.objects.get_or_create(user=user, company=company)
