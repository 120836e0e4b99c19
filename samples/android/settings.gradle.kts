pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositories {
        mavenLocal() // the SDK: `mvn -pl sdk-android -am install -DskipTests` in the repository root
        google()
        mavenCentral()
    }
}

rootProject.name = "bifrost-android-sample"
include(":app")
