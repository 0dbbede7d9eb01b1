from .competencies import Competency, CompetencyCategory
from .pages import (
    CurriculumIndexPage,
    ModulePage,
    ProtocolPage,
    TrainingProgramPage,
    TrainingType,
)
from .records import (
    AcknowledgementRequest,
    Assignment,
    AssignmentSource,
    ModuleProgress,
    ProgressReset,
    ProgressStatus,
    ProtocolAcknowledgement,
    ProtocolVersion,
    QuizAttempt,
)

__all__ = [
    "AcknowledgementRequest",
    "Assignment",
    "AssignmentSource",
    "Competency",
    "CompetencyCategory",
    "CurriculumIndexPage",
    "ModulePage",
    "ModuleProgress",
    "ProgressReset",
    "ProgressStatus",
    "ProtocolAcknowledgement",
    "ProtocolPage",
    "ProtocolVersion",
    "QuizAttempt",
    "TrainingProgramPage",
    "TrainingType",
]
