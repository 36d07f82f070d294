app_name = "resumption"
urlpatterns: list = []
