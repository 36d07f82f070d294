app_name = "hospitals"

urlpatterns: list = []
