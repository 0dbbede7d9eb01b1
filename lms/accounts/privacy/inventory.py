"""Every relation from a model to a person (`User` or `StaffProfile`) and what the export does
with it. `tests/accounts/test_privacy_export.py` walks the models and fails on a relation listed
in neither table, so a new model that points at people cannot be forgotten by the export.

Keys are `"app_label.Model.field"`. An EXPORTED value names the file of the zip holding those
rows; an EXCLUDED value says why the rows are not in the export."""

EXPORTED: dict[str, str] = {
    # --- person.json: the account and the employment ---
    "accounts.StaffProfile.user": "person.json",
    "accounts.Invitation.accepted_user": "person.json",  # the invitation that made the account
    "accounts.Notification.user": "person.json",
    "account.EmailAddress.user": "person.json",
    "mfa.Authenticator.user": "person.json",  # type and dates only: never the secret
    "api.ApiToken.owner": "person.json",  # name, prefix, scopes, dates: never the hash
    "certificates.ReminderPreference.user": "person.json",
    "certificates.CalendarFeed.user": "person.json",  # dates only: never the token hash
    "wagtailusers.UserProfile.user": "person.json",  # admin preferences (language, theme)
    # --- training.json ---
    "courses.Assignment.user": "training.json",
    "courses.ModuleProgress.user": "training.json",
    "courses.QuizAttempt.user": "training.json",
    "courses.ProtocolAcknowledgement.user": "training.json",
    "courses.AcknowledgementRequest.user": "training.json",
    "scenarios.ScenarioAttempt.user": "training.json",
    "scenarios.AttemptAllowance.user": "training.json",
    "scenarios.RoleplayAssessment.trainee": "training.json",
    # --- field_training.json ---
    "courses.FieldTraining.trainee": "field_training.json",
    "courses.RideAlong.trainee": "field_training.json",
    "courses.ObservationReport.trainee": "field_training.json",
    "courses.TaskObservation.trainee": "field_training.json",
    "courses.Signoff.trainee": "field_training.json",
    # --- credentials.json ---
    "certificates.Credential.holder": "credentials.json",
    "certificates.ContinuingEducation.holder": "credentials.json",
    # --- career.json ---
    "certificates.CareerInterest.user": "career.json",
    # --- audit.json and xapi.json ---
    "audit.AuditEvent.actor": "audit.json",
    "xapi.Statement.actor": "xapi.json",
    # --- work_for_others.json: what the person did in their role on other people's records.
    # Listed by kind, id and date only: the content is the other person's data. ---
    "accounts.StaffProfile.supervisor": "work_for_others.json",
    "accounts.StaffProfile.field_training_officers": "work_for_others.json",
    "accounts.Invitation.invited_by": "work_for_others.json",
    "courses.Assignment.assigned_by": "work_for_others.json",
    "courses.Assignment.ended_by": "work_for_others.json",
    "courses.ProgressReset.reset_by": "work_for_others.json",
    "courses.FieldTraining.primary_fto": "work_for_others.json",
    "courses.FieldTraining.secondary_fto": "work_for_others.json",
    "courses.FieldTraining.assigned_by": "work_for_others.json",
    "courses.PhaseExtension.granted_by": "work_for_others.json",
    "courses.RideAlong.fto": "work_for_others.json",
    "courses.ObservationReport.fto": "work_for_others.json",
    "courses.TaskObservation.fto": "work_for_others.json",
    "courses.Signoff.signer": "work_for_others.json",
    "scenarios.CoachingReview.coach": "work_for_others.json",
    "scenarios.AttemptAllowance.granted_by": "work_for_others.json",
    "scenarios.RoleplayAssessment.assessor": "work_for_others.json",
    "certificates.Credential.recorded_by": "work_for_others.json",
    "certificates.CredentialDecision.actor": "work_for_others.json",
    "certificates.CertificateBatch.requested_by": "work_for_others.json",
}

EXCLUDED: dict[str, str] = {
    # Django's join tables: roles are exported by name (person.json "roles"); direct user
    # permissions are not used by Relay (capabilities come from role groups).
    "accounts.User_groups.user": "join table of User.groups (exported as roles)",
    "accounts.User_user_permissions.user": "join table of User.user_permissions (unused)",
    "accounts.StaffProfile_field_training_officers.user": "join table, exported via "
    "StaffProfile.field_training_officers",
    "accounts.StaffProfile_field_training_officers.staffprofile": "join table, exported via "
    "StaffProfile.field_training_officers",
    # An invitation's supervisor is a copy made for the invitee; the invitee's export has it.
    "accounts.Invitation.supervisor": "the invitee's record (their person.json invitation)",
    # Authored curriculum in Wagtail: content, not personal data; editing history of pages.
    "wagtailcore.Page.owner": "authored curriculum page (Wagtail)",
    "wagtailcore.Page.locked_by": "transient editing lock (Wagtail)",
    "wagtailcore.Revision.user": "curriculum revision history (Wagtail)",
    "wagtailcore.PageLogEntry.user": "curriculum editing log (Wagtail)",
    "wagtailcore.ModelLogEntry.user": "snippet editing log (Wagtail)",
    "wagtailcore.WorkflowState.requested_by": "curriculum moderation (Wagtail)",
    "wagtailcore.TaskState.finished_by": "curriculum moderation (Wagtail)",
    "wagtailcore.Comment.user": "editorial comments on curriculum pages (Wagtail)",
    "wagtailcore.Comment.resolved_by": "editorial comments on curriculum pages (Wagtail)",
    "wagtailcore.CommentReply.user": "editorial comments on curriculum pages (Wagtail)",
    "wagtailcore.PageSubscription.user": "comment notification settings (Wagtail)",
    "wagtailcore.UploadedFile.uploaded_by_user": "transient upload (Wagtail)",
    "wagtailcore.APIToken.user": "Wagtail's own admin API tokens, not enabled in Relay",
    "wagtailadmin.EditingSession.user": "transient editing presence (Wagtail)",
    "wagtailadmin.FormState.user": "transient admin form state (Wagtail)",
    "wagtaildocs.Document.uploaded_by_user": "curriculum document (Wagtail)",
    "wagtailimages.Image.uploaded_by_user": "curriculum image (Wagtail)",
    "admin.LogEntry.user": "Django admin's change log (administrators' work on the site)",
}


def relation_key(model, field) -> str:
    return f"{model._meta.label}.{field.name}"
