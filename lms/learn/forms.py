from flask_wtf import FlaskForm


class EnrolForm(FlaskForm):
    pass


class CompleteLessonForm(FlaskForm):
    pass


class StartAttemptForm(FlaskForm):
    pass
