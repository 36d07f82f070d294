"""What the hospital page tests share: an English client signed in as a user, and page text."""

from django.test import Client

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def signed_in(user) -> Client:
    client = Client(**EN)
    client.force_login(user)
    return client


def page_of(response) -> str:
    return response.content.decode()
