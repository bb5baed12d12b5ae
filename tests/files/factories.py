"""factory_boy factories for user files."""

import factory
from django.utils import timezone

from apps.files.models import File
from apps.files.services import FILES_PREFIX, UPLOADS_PREFIX, file_key
from tests.accounts.factories import UserFactory


class FileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = File

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"setlist-{n}.pdf")
    content_type = "application/pdf"
    size = 11
    status = File.Status.PENDING
    # Pending: the upload's key; uploaded: its copy's.
    key = factory.LazyAttribute(lambda f: file_key(
        owner_id=f.owner.pk, name=f.name,
        prefix=UPLOADS_PREFIX if f.status == File.Status.PENDING else FILES_PREFIX,
    ))

    class Params:
        uploaded = factory.Trait(
            status=File.Status.UPLOADED, uploaded_at=factory.LazyFunction(timezone.now)
        )
