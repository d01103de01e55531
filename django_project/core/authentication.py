from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token
from rest_framework.permissions import SAFE_METHODS

# The token with its user; for a write, also the names (``app_label.codename``) of the user's
# permissions, given directly or through a group: what ModelBackend.get_all_permissions reads
# in two more queries. The user's table and columns are filled in once from the user model.
TOKEN_SQL = """
select token.created, {user_columns}{permission_names}
from authtoken_token token
join {user_table} on {user_table}.id = token.user_id
where token.key = %s
"""
PERMISSION_NAMES_SQL = """,
       array(
           select content_type.app_label || '.' || permission.codename
           from auth_permission permission
           join django_content_type content_type
             on content_type.id = permission.content_type_id
           where permission.id in (
               select permission_id from auth_user_user_permissions
               where user_id = token.user_id
               union
               select group_permission.permission_id
               from auth_group_permissions group_permission
               join auth_user_groups user_group
                 on user_group.group_id = group_permission.group_id
               where user_group.user_id = token.user_id))"""


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication in one query, refusing keys PostgreSQL cannot even compare.

    A key with a NUL byte would reach the database and fail there (a 400 from the data error);
    it is just an invalid token, so it gets the 401 every other bad token gets.

    DRF reads the token and its user through the ORM, and a write is then authorized with
    ``user.has_perm``, which costs Django's ``ModelBackend`` two more queries. Here one plain
    SQL statement (building the ORM query cost more CPU than running it) reads the token, its
    user and, for a write, the user's permission names, which go into ``ModelBackend``'s
    per-user cache, so the check costs no query. Nothing is kept between requests: a deleted
    token, a deactivated user or a withdrawn permission counts from the next request on.
    """

    def authenticate(self, request):
        self.for_write = request.method not in SAFE_METHODS
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        if "\x00" in key:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        for_write = getattr(self, "for_write", True)
        with connection.cursor() as cursor:
            cursor.execute(_token_sql(for_write), [key])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user_model = get_user_model()
        user_fields = _user_fields()
        user = user_model.from_db(connection.alias, user_fields, row[1 : 1 + len(user_fields)])
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        # An active superuser has every permission without a lookup (User.has_perm).
        if for_write and not user.is_superuser:
            # What ModelBackend.get_all_permissions would read and keep on the user.
            user._perm_cache = set(row[-1])
        token = Token.from_db(
            connection.alias, ["key", "user_id", "created"], [key, user.pk, row[0]]
        )
        token.user = user
        return user, token


@cache
def _user_fields() -> list[str]:
    return [field.attname for field in get_user_model()._meta.concrete_fields]


@cache
def _token_sql(for_write: bool) -> str:
    meta = get_user_model()._meta
    quote = connection.ops.quote_name
    return TOKEN_SQL.format(
        user_table=quote(meta.db_table),
        user_columns=", ".join(
            f"{quote(meta.db_table)}.{quote(field.column)}" for field in meta.concrete_fields
        ),
        permission_names=PERMISSION_NAMES_SQL if for_write else "",
    )
