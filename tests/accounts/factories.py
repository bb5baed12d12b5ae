"""factory_boy factories for users."""

import factory

from apps.accounts.models import User
from apps.accounts.roles import Role


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    cognito_sub = factory.Faker("uuid4")
    role = Role.FAN
    display_name = factory.Faker("name")
    password = factory.django.Password("pw-for-tests-only")

    class Params:
        organizer = factory.Trait(role=Role.ORGANIZER)
        staff = factory.Trait(role=Role.STAFF)
        admin = factory.Trait(role=Role.ADMIN)
