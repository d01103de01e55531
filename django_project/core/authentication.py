from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, refusing keys PostgreSQL cannot even compare.

    A key with a NUL byte would reach the database and fail there (a 400 from the data error);
    it is just an invalid token, so it gets the 401 every other bad token gets.
    """

    def authenticate_credentials(self, key):
        if "\x00" in key:
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(key)
