"""Answers whose shape moto 5.2.5 gets wrong, so strict SDKs (the AWS SDK for Rust) fail to
parse them although boto3, being lenient, reads them. Each patch says what moto gets wrong.
All of them depend on moto internals: pinned to 5.2.5.
"""

from __future__ import annotations

S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"


def _epoch(dt) -> float:
    # moto keeps naive UTC datetimes; .timestamp() would read them as local time.
    import calendar

    if dt.tzinfo is not None:
        return dt.timestamp()
    return calendar.timegm(dt.timetuple()) + dt.microsecond / 1e6


def _patch_codepipeline_metadata() -> None:
    # moto renders GetPipeline's metadata.created/updated (and ListPipelines' created/updated,
    # which read the same property) as ISO-8601 strings. CodePipeline is awsJson 1.1, whose
    # timestamps are epoch seconds (numbers); the Rust SDK refuses strings there.
    from moto.codepipeline.models import CodePipeline

    if getattr(CodePipeline, "pw_epoch_metadata", False):
        return

    def metadata(self) -> dict:
        return {"pipelineArn": self._arn, "created": _epoch(self._created),
                "updated": _epoch(self._updated)}

    CodePipeline.metadata = property(metadata)
    CodePipeline.pw_epoch_metadata = True


def _patch_s3_versioning() -> None:
    # moto serializes GetBucketVersioning under a <GetBucketVersioningResponse> root; S3's
    # root element is <VersioningConfiguration> (with <Status> only once versioning was ever
    # set, and <MfaDelete> beside it). The Rust SDK checks the root name and fails.
    from moto.s3.responses import S3Response

    if getattr(S3Response.get_bucket_versioning, "pw_patched", False):
        return

    def get_bucket_versioning(self):
        status = self.backend.get_bucket_versioning(self.bucket_name)
        inner = f"<Status>{status}</Status>" if status else ""
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<VersioningConfiguration xmlns="{S3_XMLNS}">{inner}</VersioningConfiguration>')
        return 200, {"Content-Type": "application/xml"}, body

    get_bucket_versioning.pw_patched = True
    S3Response.get_bucket_versioning = get_bucket_versioning


def _patch_ecs_grace_period() -> None:
    # moto's CreateService ignores healthCheckGracePeriodSeconds, so DescribeServices never
    # shows it (UpdateService already stores it: moto copies every property it is given).
    from moto.ecs.responses import EC2ContainerServiceResponse

    original = EC2ContainerServiceResponse.create_service
    if getattr(original, "pw_patched", False):
        return

    def create_service(self):
        result = original(self)
        grace = self._get_param("healthCheckGracePeriodSeconds")
        if grace is not None:
            # The ActionResult holds the Service object itself; it is serialized afterwards.
            result.result["service"].health_check_grace_period_seconds = int(grace)
        return result

    create_service.pw_patched = True
    EC2ContainerServiceResponse.create_service = create_service


def _patch_codebuild_last_modified() -> None:
    # moto names a project's modification time "lastModifiedDate"; AWS's Project shape calls
    # it "lastModified" (as CreateProject, BatchGetProjects and UpdateProject answer). SDKs
    # drop the unknown key silently, so the field just went missing.
    from moto.codebuild.models import CodeBuild

    original = CodeBuild.__init__
    if getattr(original, "pw_patched", False):
        return

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        meta = self.project_metadata
        meta["lastModified"] = meta.pop("lastModifiedDate", meta.get("created"))

    __init__.pw_patched = True
    CodeBuild.__init__ = __init__


def _patch_ecr_digest() -> None:
    # moto's image digest is the sha256 of the manifest's layer digests joined, so every
    # manifest without layers (what the sandbox's builds push) gets the same digest and
    # BatchDeleteImage by digest removes only the first of them. ECR's imageDigest is the
    # sha256 of the manifest itself.
    import hashlib

    from moto.ecr.models import Image

    if getattr(Image._create_digest, "pw_patched", False):
        return

    def _create_digest(self) -> None:
        self._image_digest = "sha256:" + hashlib.sha256(self.image_manifest.encode()).hexdigest()

    _create_digest.pw_patched = True
    Image._create_digest = _create_digest


def install() -> None:
    _patch_codepipeline_metadata()
    _patch_ecr_digest()
    _patch_codebuild_last_modified()
    _patch_s3_versioning()
    _patch_ecs_grace_period()
