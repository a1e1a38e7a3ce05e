from django.contrib.auth.forms import UserCreationForm


class SignupForm(UserCreationForm):
    """Django's own sign-up form: fields `username`, `password1`, `password2`."""

    class Meta(UserCreationForm.Meta):
        fields = ("username",)
