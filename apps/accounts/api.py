"""API tokens: a client trades a user name and password for a token once, then sends the token.

HTTP Basic auth is not offered: it would run the password hasher (~0.25 s of CPU) on every request.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.throttles import LOGIN_THROTTLES

_TokenBody = inline_serializer("ApiToken", {"token": serializers.CharField()})


class TokenView(APIView):
    def get_permissions(self):  # type: ignore[no-untyped-def]
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def get_throttles(self):  # type: ignore[no-untyped-def]
        return [t() for t in LOGIN_THROTTLES] if self.request.method == "POST" else []

    @extend_schema(
        request=AuthTokenSerializer,
        responses={200: _TokenBody},
        auth=[],
        summary="Get your API token (created on first use) for a user name and password",
    )
    def post(self, request: Request) -> Response:
        credentials = AuthTokenSerializer(data=request.data, context={"request": request})
        if not credentials.is_valid():
            return Response(
                {"error": "Unable to log in with the provided user name and password.", "status": 400},
                status=status.HTTP_400_BAD_REQUEST,
            )
        token, _ = Token.objects.get_or_create(user=credentials.validated_data["user"])
        return Response({"token": token.key})

    @extend_schema(responses={204: None}, summary="Revoke your API token")
    def delete(self, request: Request) -> Response:
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
