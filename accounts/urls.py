"""Single sign-on's two addresses, without a language prefix: the callback is registered at the
provider and must not change with the page's language."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("start/", views.SignOnStartView.as_view(), name="sso-start"),
    path("callback/", views.SignOnCallbackView.as_view(), name="sso-callback"),
]
